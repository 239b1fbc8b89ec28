// thread_exec PROG [ARGS...]: print "thread_exec pid=<pid>", then a second (non-leader) thread
// calls execv(PROG). The main thread waits in pthread_join, which never returns if the exec
// works (exec kills every other thread). Exit 126 if the exec fails.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

static char **exec_argv;

static void *thread_main(void *arg) {
  (void)arg;
  dprintf(STDOUT_FILENO, "thread_exec tid=%ld execs %s\n", (long)syscall(SYS_gettid),
          exec_argv[0]);
  execv(exec_argv[0], exec_argv);
  dprintf(STDOUT_FILENO, "execv failed: %s\n", strerror(errno));
  _exit(126);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: thread_exec PROG [ARGS...]\n");
    return 2;
  }
  dprintf(STDOUT_FILENO, "thread_exec pid=%d\n", (int)getpid());
  exec_argv = argv + 1;
  pthread_t t;
  if (pthread_create(&t, NULL, thread_main, NULL) != 0) return 1;
  pthread_join(t, NULL);
  dprintf(STDOUT_FILENO, "pthread_join returned: exec did not replace the process\n");
  return 1;
}
