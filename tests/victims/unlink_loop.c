/* unlink_loop FILE [N [STATUS]]: print "pid=<pid>", then every 100 ms call
 * unlinkat(AT_FDCWD, FILE, 0) (raw, through syscall(2)) and print
 * "unlinkat ret=<r> errno=<NAME|0>". With N > 0, exit STATUS (default 3) after N calls;
 * otherwise loop until killed. A long-running target for `xpledge attach`. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: unlink_loop FILE [N [STATUS]]\n");
    return 2;
  }
  const long n = argc > 2 ? atol(argv[2]) : 0;
  const int status = argc > 3 ? atoi(argv[3]) : 3;
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("pid=%d\n", (int)getpid());
  for (long i = 0; n <= 0 || i < n; ++i) {
    const struct timespec tick = {0, 100 * 1000 * 1000};
    nanosleep(&tick, NULL);
    errno = 0;
    const long r = syscall(SYS_unlinkat, AT_FDCWD, argv[1], 0);
    const int e = r == -1 ? errno : 0;
    const char *name = e ? strerrorname_np(e) : "0";
    printf("unlinkat ret=%ld errno=%s\n", r, name ? name : "?");
  }
  return status;
}
