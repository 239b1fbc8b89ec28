// syscall_numbers ERRNO: numbers no table has: negative (-5, -1000000), past every table
// (0x7fffffff, 500, 1000, 9999, 10001), far past (1<<40: the kernel sees its low 32 bits, 0 =
// read(-1)), and each twice with garbage arguments. Under `default: deny` with ERRNO, every
// unknown number must be denied with ERRNO (and logged), never crash the supervisor; 1<<40 is
// read(-1, ...), which the policy allows: EBADF from the kernel.
#include "attack.h"

int main(int argc, char **argv) {
  int want = argc == 2 ? errno_from(argv[1]) : -1;
  if (want <= 0) {
    say(2, "usage: syscall_numbers ERRNO\n");
    return 2;
  }
  static const long unknown[] = {-5, -1000000, 0x7fffffffL, 500, 1000, 9999, 10001};
  for (unsigned i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
    char name[64];
    snprintf(name, sizeof name, "syscall-%ld", unknown[i]);
    errno = 0;
    long r = syscall(unknown[i], 0L, 0L, 0L, 0L, 0L, 0L);
    expect_denied(name, r, errno, want);
    snprintf(name, sizeof name, "syscall-%ld-garbage", unknown[i]);
    errno = 0;
    r = syscall(unknown[i], -1L, 1L, 0xdeadbeefL, (long)name, -4096L, 0x7fffffffffffL);
    expect_denied(name, r, errno, want);
  }
  errno = 0;
  long r = syscall(1L << 40, -1L, 0L, 0L);
  if (r == -1 && errno == EBADF)
    ok("syscall-1<<40", "the kernel ran read(-1): errno=EBADF");
  else
    bypass("syscall-1<<40", "returned %ld errno=%s, expected read(-1)'s EBADF", r,
           errname(errno));
  return finish();
}
