// fork_exit_race ROUNDS: in each round a worker process has one thread fork in a loop while
// another calls exit_group. When the kill lands between the kernel creating a child and the
// supervisor seeing the parent's fork event, the event never comes: the child must still be
// released or reaped, or the supervisor waits for it for ever (issue 15 item 6). The program
// itself only reports; the test's timeout is what catches a hang.
#include "attack.h"

#include <pthread.h>
#include <sys/wait.h>
#include <time.h>

static void *forker(void *arg) {
  (void)arg;
  for (;;) {
    pid_t pid = fork();
    if (pid == 0) _exit(0);
  }
  return NULL;
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 200;
  for (int i = 0; i < rounds; i++) {
    pid_t worker = fork();
    if (worker < 0) return setup_error("fork-exit-race", "fork: %s", errname(errno)), finish();
    if (worker == 0) {
      alarm(20);
      pthread_t t;
      if (pthread_create(&t, NULL, forker, NULL) != 0) _exit(2);
      struct timespec ts = {0, (i % 50) * 20000L};
      nanosleep(&ts, NULL);
      _exit(0);  // exit_group: kills the forking thread wherever it is
    }
    int st = 0;
    waitpid(worker, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
      return setup_error("fork-exit-race", "round %d: worker status %#x", i, st), finish();
  }
  ok("fork-exit-race", "%d rounds of fork against exit_group", rounds);
  return finish();
}
