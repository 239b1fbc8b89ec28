/* fork_exec [--pledge P] [--exec-pledge P] [--concurrent] N [PROG]: N times fork + exec PROG
 * (default /bin/true) + wait.  --concurrent forks all N first and holds them on a pipe, so N
 * traced processes are alive at once, then lets them exec and reaps them. */
#include <stdlib.h>
#include <sys/wait.h>

#include "pledge_note.h"

int main(int argc, char **argv) {
  const char *promises, *execpromises;
  int i = bench_pledge_args(argc, argv, &promises, &execpromises);
  int concurrent = 0;
  if (i < argc && strcmp(argv[i], "--concurrent") == 0) {
    concurrent = 1;
    i++;
  }
  long n = i < argc ? atol(argv[i]) : 500;
  const char *prog = i + 1 < argc ? argv[i + 1] : "/bin/true";
  bench_narrow(promises, execpromises);
  int gate[2] = {-1, -1};
  if (concurrent && pipe(gate) != 0) return 1;
  for (long k = 0; k < n; k++) {
    pid_t pid = fork();
    if (pid < 0) {
      perror("fork_exec: fork");
      return 1;
    }
    if (pid == 0) {
      if (concurrent) {
        char c;
        close(gate[1]);
        while (read(gate[0], &c, 1) < 0 && errno == EINTR) {
        }
      }
      execl(prog, prog, (char *)NULL);
      _exit(127);
    }
    if (!concurrent) {
      int st;
      if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return 1;
    }
  }
  if (concurrent) {
    close(gate[1]); /* EOF releases every child at once */
    int st, bad = 0;
    for (long k = 0; k < n; k++)
      if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) bad = 1;
    return bad;
  }
  return 0;
}
