// syscall_numbers ERRNO: numbers no table has, each twice (zero and garbage arguments). Those
// with the x32 bit (0x40000000: -5, -1000000, 0x7fffffff) are x32 calls, and the policy allows
// only x86-64: denied with ERRNO by its `abi` rule. The others (400 in x86-64's reserved hole,
// 471 past the kernel tables of this build, 500, 1000, 9999, 10002 around SYS_xpledge 10000
// and SYS_xunveil 10001) are unknown numbers: ENOSYS under every policy, whatever ERRNO is (issue 23), each logged once.
// 1<<40 is read(-1, ...) (the kernel sees the low 32 bits), which the policy allows: EBADF.
#include "attack.h"

// syscall_numbers walk N: N distinct unknown numbers from 20000 up, once each: all ENOSYS (the
// supervisor remembers a bounded number of them for its once-per-number warning).
static int walk(long n) {
  long wrong = 0, first_wrong = -1;
  for (long nr = 20000; nr < 20000 + n; nr++) {
    errno = 0;
    long r = syscall(nr, 0L, 0L, 0L, 0L, 0L, 0L);
    if (!(r == -1 && errno == ENOSYS) && wrong++ == 0) first_wrong = nr;
  }
  if (wrong)
    bypass("walk", "%ld of %ld numbers did not get ENOSYS (first: %ld)", wrong, n, first_wrong);
  else
    ok("walk", "%ld distinct unknown numbers, all ENOSYS", n);
  return finish();
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "walk") == 0) return walk(atol(argv[2]));
  int want = argc == 2 ? errno_from(argv[1]) : -1;
  if (want <= 0) {
    say(2, "usage: syscall_numbers ERRNO\n");
    return 2;
  }
  static const long unknown[] = {-5, -1000000, 0x7fffffffL, 400, 471, 500, 1000, 9999, 10002};
  for (unsigned i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
    const int expect = (unknown[i] & 0x40000000L) ? want : ENOSYS;
    char name[64];
    snprintf(name, sizeof name, "syscall-%ld", unknown[i]);
    errno = 0;
    long r = syscall(unknown[i], 0L, 0L, 0L, 0L, 0L, 0L);
    expect_denied(name, r, errno, expect);
    snprintf(name, sizeof name, "syscall-%ld-garbage", unknown[i]);
    errno = 0;
    r = syscall(unknown[i], -1L, 1L, 0xdeadbeefL, (long)name, -4096L, 0x7fffffffffffL);
    expect_denied(name, r, errno, expect);
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
