// vfork_exec PROG [ARGS...]: vfork, exec PROG in the child (_exit(127) if exec fails), wait,
// print "vfork_exec: child exited <n>" and exit with the child's status (128+N for a signal).
#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: vfork_exec PROG [ARGS...]\n");
    return 2;
  }
  pid_t pid = vfork();
  if (pid < 0) return 1;
  if (pid == 0) {
    execv(argv[1], argv + 1);
    _exit(127);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return 1;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  printf("vfork_exec: child exited %d\n", code);
  return code;
}
