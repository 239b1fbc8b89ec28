// exit_status: print one line on stdout and one on stderr, then end in the way asked.
//   exit_status code N    exit(N)
//   exit_status kill SIG  kill(getpid(), SIG) (a signal the process did not handle)
//   exit_status segv      a real SIGSEGV (write through a null pointer)
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: exit_status code N | kill SIG | segv\n");
    return 2;
  }
  printf("exit_status: %s %s\n", argv[1], argc > 2 ? argv[2] : "");
  fprintf(stderr, "exit_status: on stderr\n");
  fflush(stdout);
  if (strcmp(argv[1], "code") == 0 && argc > 2) return atoi(argv[2]);
  if (strcmp(argv[1], "kill") == 0 && argc > 2) {
    kill(getpid(), atoi(argv[2]));
    fprintf(stderr, "exit_status: still alive after kill\n");
    return 3;
  }
  if (strcmp(argv[1], "segv") == 0) {
    volatile int *null_ptr = NULL;
    *null_ptr = 1;
    return 3;
  }
  fprintf(stderr, "usage: exit_status code N | kill SIG | segv\n");
  return 2;
}
