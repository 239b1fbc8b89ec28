// ptrace_probe: can this process trace a child at all? (No CAP_SYS_PTRACE in a container, a
// seccomp filter forbidding ptrace, or an outer tracer make every xpledge test meaningless.)
// Exit 0 if a forked child can PTRACE_TRACEME, stop and be continued; else print why, exit 1.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  int err_pipe[2];
  if (pipe(err_pipe) != 0) return 1;
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    close(err_pipe[0]);
    if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0) {
      int e = errno;
      (void)!write(err_pipe[1], &e, sizeof e);
      _exit(1);
    }
    raise(SIGSTOP);
    _exit(0);
  }
  close(err_pipe[1]);
  int status;
  if (waitpid(pid, &status, 0) != pid) return 1;
  if (WIFSTOPPED(status)) {
    ptrace(PTRACE_CONT, pid, 0, 0);
    waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
  }
  int e = 0;
  if (read(err_pipe[0], &e, sizeof e) == (ssize_t)sizeof e)
    fprintf(stderr, "ptrace_probe: PTRACE_TRACEME failed: %s\n", strerror(e));
  else
    fprintf(stderr, "ptrace_probe: traced child did not stop and exit as expected\n");
  return 1;
}
