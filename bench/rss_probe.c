/* rss_probe: run CMD and report the peak RSS of CMD's own process, not of its descendants.
 *
 *   rss_probe -- CMD ARGS      prints "vmhwm_kib=N tree_maxrss_kib=M" on stderr
 *
 * getrusage(RUSAGE_CHILDREN) and wait4() report the largest process of the whole reaped tree,
 * which for a supervisor is usually its biggest tracee.  Instead, CMD runs under a ptrace that
 * asks only for PTRACE_EVENT_EXIT: at that stop CMD's memory still exists, and its VmHWM in
 * /proc/PID/status is the peak of CMD alone.  CMD's children are not traced by us (no fork
 * options), so a supervisor such as xpledge can still trace them.  Signals CMD receives
 * (SIGCHLD for every stop of its tracees) pass through a signal-delivery stop here, which
 * slows CMD down: use this for memory, never for timing.  tree_maxrss_kib is wait4()'s
 * number, for comparison.  Exits with CMD's status. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static long read_status_kib(pid_t pid, const char *key) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  long v = -1;
  size_t klen = strlen(key);
  while (fgets(line, sizeof line, f))
    if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
      v = atol(line + klen + 1);
      break;
    }
  fclose(f);
  return v;
}

int main(int argc, char **argv) {
  if (argc < 3 || strcmp(argv[1], "--") != 0) {
    fprintf(stderr, "usage: rss_probe -- CMD ARGS\n");
    return 125;
  }
  pid_t pid = fork();
  if (pid < 0) return 125;
  if (pid == 0) {
    if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0) _exit(125);
    raise(SIGSTOP);
    execvp(argv[2], argv + 2);
    _exit(errno == ENOENT ? 127 : 126);
  }
  int status;
  if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status)) return 125;
  if (ptrace(PTRACE_SETOPTIONS, pid, 0, (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL)) != 0)
    return 125;
  ptrace(PTRACE_CONT, pid, 0, 0);
  long hwm = -1;
  struct rusage ru;
  for (;;) {
    if (wait4(pid, &status, 0, &ru) != pid) {
      if (errno == EINTR) continue;
      return 125;
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) break;
    if (!WIFSTOPPED(status)) continue;
    int sig = WSTOPSIG(status);
    if ((status >> 16) == PTRACE_EVENT_EXIT) {
      hwm = read_status_kib(pid, "VmHWM");
      sig = 0;
    } else if (sig == SIGTRAP) {
      sig = 0; /* the exec trap of a TRACEME tracee without TRACEEXEC */
    }
    ptrace(PTRACE_CONT, pid, 0, (void *)(long)sig);
  }
  fprintf(stderr, "vmhwm_kib=%ld tree_maxrss_kib=%ld\n", hwm, ru.ru_maxrss);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
