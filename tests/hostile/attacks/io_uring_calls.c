// io_uring_calls: io_uring's operations (openat, read, write, connect...) run in the kernel
// without system calls the supervisor could check. io_uring_setup/enter/register must be denied
// unless a rule names them, even under `default: allow`.
//   io_uring_calls denied ERRNO   all three must fail with ERRNO
//   io_uring_calls named          (a rule allows io_uring_setup) setup is not refused by
//                                 xpledge: prints "setup ret=<r> errno=<E>"
#include "attack.h"

#include <linux/io_uring.h>

int main(int argc, char **argv) {
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  if (argc == 2 && strcmp(argv[1], "named") == 0) {
    errno = 0;
    long r = syscall(SYS_io_uring_setup, 4, &p);
    say(1, "setup ret=%ld errno=%s\n", r, errname(r == -1 ? errno : 0));
    return 0;
  }
  int want = argc == 3 && strcmp(argv[1], "denied") == 0 ? errno_from(argv[2]) : -1;
  if (want <= 0) {
    say(2, "usage: io_uring_calls denied ERRNO | named\n");
    return 2;
  }
  errno = 0;
  long fd = syscall(SYS_io_uring_setup, 4, &p);
  int err = errno;
  expect_denied("io_uring_setup", fd, err, want);
  const long ring = fd >= 0 ? fd : 1000;
  errno = 0;
  long r = syscall(SYS_io_uring_enter, ring, 1, 0, 0, NULL, 0);
  expect_denied("io_uring_enter", r, errno, want);
  errno = 0;
  r = syscall(SYS_io_uring_register, ring, IORING_REGISTER_PROBE, NULL, 0);
  expect_denied("io_uring_register", r, errno, want);
  if (fd >= 0) close((int)fd);
  return finish();
}
