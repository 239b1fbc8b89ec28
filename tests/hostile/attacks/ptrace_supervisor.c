// ptrace_supervisor: try to become the supervisor's tracer (PTRACE_ATTACH, PTRACE_SEIZE).
// getppid() of the main child is the supervisor; TracerPid names it too (checked to agree).
// A tracer of the supervisor could stop it, read its memory and rewrite its decisions.
// Each attempt must fail; the errno is printed. If one succeeds the supervisor is released at
// once (interrupt, wait, detach) and the line says BYPASS.
#include "attack.h"

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

static void release(pid_t target, int seized) {
  int status;
  if (seized) ptrace(PTRACE_INTERRUPT, target, 0, 0);
  waitpid(target, &status, __WALL);
  ptrace(PTRACE_DETACH, target, 0, 0);  // with signal 0: the attach's SIGSTOP is dropped
}

int main(void) {
  const pid_t sup = getppid();
  // Once we trace the supervisor, its stops are reported to us with SIGCHLD; we are its tracee,
  // so that SIGCHLD would stop us in turn, waiting for the supervisor: both would hang. An
  // attacker blocks SIGCHLD first; so do we, to release the supervisor if the attach works.
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  const long tracer = tracer_pid_of("/proc/self/status");
  if (tracer != sup) {
    setup_error("supervisor", "getppid()=%d but TracerPid=%ld: not the main child?", (int)sup,
                tracer);
    return finish();
  }
  errno = 0;
  long r = ptrace(PTRACE_ATTACH, sup, 0, 0);
  int err = errno;
  if (r == 0) {
    release(sup, 0);
    bypass("ptrace-attach-supervisor", "PTRACE_ATTACH of the supervisor %d succeeded", (int)sup);
  } else {
    ok("ptrace-attach-supervisor", "errno=%s", errname(err));
  }
  errno = 0;
  r = ptrace(PTRACE_SEIZE, sup, 0, 0);
  err = errno;
  if (r == 0) {
    release(sup, 1);
    bypass("ptrace-seize-supervisor", "PTRACE_SEIZE of the supervisor %d succeeded", (int)sup);
  } else {
    ok("ptrace-seize-supervisor", "errno=%s", errname(err));
  }
  return finish();
}
