// exec_loop N ERRNO: execve itself N times in a row. Each image makes one denied call (getppid,
// must fail with ERRNO; otherwise it stops with exit 1) and executes the next with N-1; the last
// prints "execs done". Exercises the supervisor's exec bookkeeping and the fresh pre-filter of
// every image.
#include "attack.h"

extern char **environ;

int main(int argc, char **argv) {
  int left = argc == 3 ? atoi(argv[1]) : -1;
  int want = argc == 3 ? errno_from(argv[2]) : -1;
  if (left < 0 || want <= 0) {
    say(2, "usage: exec_loop N ERRNO\n");
    return 2;
  }
  errno = 0;
  long r = syscall(SYS_getppid);
  if (r != -1 || errno != want) {
    say(1, "exec %d: getppid returned %ld errno=%s\n", left, r, errname(errno));
    return 1;
  }
  if (left == 0) {
    say(1, "execs done\n");
    return 0;
  }
  char n[16];
  snprintf(n, sizeof n, "%d", left - 1);
  char *args[] = {argv[0], n, argv[2], NULL};
  execve(argv[0], args, environ);  // argv[0] is a path (the script gives one)
  say(1, "execve failed at %d: %s\n", left, errname(errno));
  return 1;
}
