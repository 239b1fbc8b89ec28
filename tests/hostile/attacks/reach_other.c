// reach_other PID: reach into another process of the same user that runs outside the sandbox
// (a bystander the script started): the default policy means to refuse "reaching into other
// processes" (ptrace, process_vm_*). Tries: open /proc/PID/mem for writing (nothing is written),
// pidfd_open + pidfd_getfd (steal its fd 0), reopen its fd 0 through /proc/PID/fd/0, ptrace
// attach, process_vm_writev (at address 1: EFAULT would mean permission was granted). Each must
// fail. Where Yama's ptrace_scope >= 1 the kernel refuses the first two to non-descendants
// anyway; /proc/PID/fd needs only PTRACE_MODE_READ, which Yama does not restrict.
#include "attack.h"

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>

int main(int argc, char **argv) {
  const pid_t pid = argc == 2 ? (pid_t)atoi(argv[1]) : 0;
  if (pid <= 0) {
    say(2, "usage: reach_other PID\n");
    return 2;
  }
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
  errno = 0;
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd >= 0) {
    close(fd);
    bypass("other-proc-mem-write", "opened %s read-write", path);
  } else {
    ok("other-proc-mem-write", "errno=%s", errname(errno));
  }

  errno = 0;
  long pidfd = syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) {
    ok("other-pidfd-getfd", "pidfd_open refused: errno=%s", errname(errno));
  } else {
    errno = 0;
    long stolen = syscall(SYS_pidfd_getfd, pidfd, 0, 0);
    if (stolen >= 0) {
      close((int)stolen);
      bypass("other-pidfd-getfd", "took a copy of fd 0 of process %d", (int)pid);
    } else {
      ok("other-pidfd-getfd", "pidfd_getfd refused: errno=%s", errname(errno));
    }
    close((int)pidfd);
  }

  snprintf(path, sizeof path, "/proc/%d/fd/0", (int)pid);
  errno = 0;
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    close(fd);
    bypass("other-proc-fd-reopen", "reopened %s", path);
  } else {
    ok("other-proc-fd-reopen", "errno=%s", errname(errno));
  }

  sigset_t chld;  // as in ptrace_supervisor.c: a tracee that traces must not wait on SIGCHLD
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  errno = 0;
  if (ptrace(PTRACE_SEIZE, pid, 0, 0) == 0) {
    ptrace(PTRACE_INTERRUPT, pid, 0, 0);
    waitpid(pid, NULL, __WALL);
    ptrace(PTRACE_DETACH, pid, 0, 0);
    bypass("other-ptrace-seize", "traced process %d", (int)pid);
  } else {
    ok("other-ptrace-seize", "errno=%s", errname(errno));
  }

  char byte = 0;
  struct iovec local = {&byte, 1}, remote = {(void *)1, 1};
  errno = 0;
  long r = process_vm_writev(pid, &local, 1, &remote, 1, 0);
  if (r == -1 && errno != EFAULT)
    ok("other-process-vm-writev", "errno=%s", errname(errno));
  else
    bypass("other-process-vm-writev", "returned %ld errno=%s: permission granted", r,
           errname(errno));
  return finish();
}
