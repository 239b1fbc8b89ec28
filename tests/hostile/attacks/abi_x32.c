// abi_x32: x32 system calls (the syscall number carries __X32_SYSCALL_BIT, 0x40000000) from
// this x86-64 program. The kernel reports them with the x86-64 audit arch; the supervisor must
// see the bit, judge them against the x32 table and, under the default `abis`, deny them all.
//
//   abi_x32 probe          natively: "ret=<r> errno=<E>" of x32 getpid (ENOSYS: no x32 here)
//   abi_x32 denied ERRNO   x32 getpid, getppid, kill(supervisor, SIGKILL), openat("/"), and the
//                          x32 twin of SYS_xpledge (10000|bit): each must fail with ERRNO
#include "attack.h"

#include <signal.h>

#define X32(nr) (0x40000000L | (nr))

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "probe") == 0) {
    errno = 0;
    long r = syscall(X32(39));
    say(1, "ret=%ld errno=%s\n", r, errname(r == -1 ? errno : 0));
    return 0;
  }
  int want = argc == 3 && strcmp(argv[1], "denied") == 0 ? errno_from(argv[2]) : -1;
  if (want <= 0) {
    say(2, "usage: abi_x32 probe | denied ERRNO\n");
    return 2;
  }
  long r;
  errno = 0;
  r = syscall(X32(39));  // getpid
  expect_denied("x32-getpid", r, errno, want);
  errno = 0;
  r = syscall(X32(110));  // getppid
  expect_denied("x32-getppid", r, errno, want);
  errno = 0;
  r = syscall(X32(62), getppid(), SIGKILL);  // kill(supervisor, SIGKILL)
  expect_denied("x32-kill-supervisor", r, errno, want);
  errno = 0;
  r = syscall(X32(257), AT_FDCWD, "/", O_RDONLY);  // openat
  if (r >= 0) close((int)r);
  expect_denied("x32-openat", r, errno, want);
  errno = 0;
  r = syscall(X32(10000), "stdio", NULL);  // not SYS_xpledge: another ABI's number
  expect_denied("x32-xpledge-number", r, errno, want);
  return finish();
}
