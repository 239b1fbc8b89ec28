// clone3_restart: a clone3 interrupted by a signal (copy_process answers -ERESTARTNOINTR when a
// signal is pending) is restarted by the kernel with the same registers: its first argument
// still points at the pinned copy in the thread's scratch slot. A handler's own path call
// (openat, pinned because the policy has a path rule: path_race.yaml) fills the same slot in
// between, and nothing puts clone3's bytes back (the restart bookkeeping covers path calls
// only). The restarted clone3 then reads the handler's path as its struct clone_args.
// Judged again, so not an escape; a transparency bug: clone3 fails with EINVAL (or makes some
// other child) where natively it never does.
//
// A 64 MiB touched mapping makes each fork slow; SIGALRM every 50 us keeps a signal pending.
//   clone3_restart [US]  SIGALRM every US microseconds (default 50), for 3 s; "BYPASS" here
//                     means a clone3 the program made correctly
//                     failed (EINVAL), which never happens natively. Pure ptrace mode needs a
//                     slower timer (500): its handlers are slow enough to starve the loop.
#include "attack.h"

#include <linux/sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

static volatile long g_handled;
static void on_alarm(int sig) {
  (void)sig;
  // A path call of the handler: pinned into slot 0 of this thread.
  int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) syscall(SYS_close, fd);
  g_handled++;
}

int main(int argc, char **argv) {
  const long us = argc > 1 ? atol(argv[1]) : 50;
  const size_t big = 64 << 20;
  char *m = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return 2;
  for (size_t i = 0; i < big; i += 4096) m[i] = 1;
  struct sigaction sa = {0};
  sa.sa_handler = on_alarm;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval it = {{0, us}, {0, us}};
  setitimer(ITIMER_REAL, &it, NULL);
  struct clone_args a;
  memset(&a, 0, sizeof a);
  a.exit_signal = SIGCHLD;
  int made = 0, einval = 0, other = 0;
  int other_err = 0;
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  do {
    long r = syscall(SYS_clone3, &a, sizeof a);
    if (r == 0) _exit(0);
    if (r > 0) {
      made++;
      while (waitpid((pid_t)r, NULL, 0) < 0 && errno == EINTR) {
      }
    } else if (errno == EINVAL) {
      einval++;
    } else {
      other++;
      other_err = errno;
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
  } while (now.tv_sec - start.tv_sec < 3);
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, NULL);
  if (einval)
    bypass("clone3-restart", "%d of %d clone3 calls failed with EINVAL (%d handlers ran; %d other "
                             "errors, last %s): the restart read another call's pinned bytes",
           einval, made + einval + other, (int)g_handled, other, errname(other_err));
  else
    ok("clone3-restart", "%d children, %d other errors (last %s), %ld handlers", made, other,
       errname(other_err), (long)g_handled);
  return finish();
}
