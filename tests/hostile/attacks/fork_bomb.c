// fork_bomb CAP ERRNO: a fork bomb that cannot hurt the machine: every process forks as fast as
// it can (children fork too) until fork fails (RLIMIT_NPROC, set by the script with prlimit) or
// CAP processes were created in all (a counter in shared memory: a second, independent bound),
// and an alarm ends every process 20 s after its birth whatever happens. Each process makes one
// denied call (getppid, must fail with ERRNO), waits for its children and exits.
// Prints "forks=<ok> eagain=<fork failures> denied=<ok> wrong=<bad>"; exit 0 iff wrong=0.
#include "attack.h"

#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>

struct counters {
  _Atomic int processes, forks, fork_failed, denied, wrong;
};

int main(int argc, char **argv) {
  int cap = argc == 3 ? atoi(argv[1]) : 0;
  int want = argc == 3 ? errno_from(argv[2]) : -1;
  if (cap <= 0 || want <= 0) {
    say(2, "usage: fork_bomb CAP ERRNO\n");
    return 2;
  }
  struct counters *c = mmap(NULL, sizeof *c, PROT_READ | PROT_WRITE,
                            MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (c == MAP_FAILED) return 2;
  const pid_t top = getpid();
  alarm(20);  // every process dies of SIGALRM 20 s after it was born, at the latest
  atomic_store(&c->processes, 1);
  for (;;) {
    if (atomic_fetch_add(&c->processes, 1) >= cap) {
      atomic_fetch_sub(&c->processes, 1);
      break;
    }
    pid_t p = fork();
    if (p < 0) {
      atomic_fetch_sub(&c->processes, 1);
      atomic_fetch_add(&c->fork_failed, 1);
      break;
    }
    if (p > 0) {
      atomic_fetch_add(&c->forks, 1);
      continue;  // the parent keeps forking
    }
    alarm(20);  // alarms are not inherited across fork: every child sets its own
    // the child forks too (loop again)
  }
  errno = 0;
  long r = syscall(SYS_getppid);
  if (r == -1 && errno == want)
    atomic_fetch_add(&c->denied, 1);
  else
    atomic_fetch_add(&c->wrong, 1);
  while (wait(NULL) > 0 || errno == EINTR) {
  }
  if (getpid() != top) _exit(0);
  say(1, "forks=%d eagain=%d denied=%d wrong=%d\n", atomic_load(&c->forks),
          atomic_load(&c->fork_failed), atomic_load(&c->denied), atomic_load(&c->wrong));
  return atomic_load(&c->wrong) == 0 ? 0 : 1;
}
