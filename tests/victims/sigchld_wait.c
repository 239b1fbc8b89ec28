// sigchld_wait [ROUNDS]: ROUNDS times (default 20), block SIGCHLD, fork a child that exits 5
// (immediately on even rounds, after 50 ms on odd ones), and wait for its SIGCHLD in
// sigsuspend. Prints "rounds=<n> ok"; exit 0 iff every round saw SIGCHLD and status 5.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got_chld;
static void on_chld(int sig) {
  (void)sig;
  got_chld = 1;
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 20;
  struct sigaction sa = {0};
  sa.sa_handler = on_chld;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGCHLD, &sa, NULL) != 0) return 1;
  sigset_t chld, empty;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigemptyset(&empty);
  if (sigprocmask(SIG_BLOCK, &chld, NULL) != 0) return 1;

  for (int i = 0; i < rounds; i++) {
    got_chld = 0;
    pid_t pid = fork();
    if (pid < 0) return 1;
    if (pid == 0) {
      if (i % 2) {
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
      }
      _exit(5);
    }
    while (!got_chld) sigsuspend(&empty);  // returns -1/EINTR after the handler ran
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 5) {
      printf("round %d: bad child status\n", i);
      return 1;
    }
  }
  printf("rounds=%d ok\n", rounds);
  return 0;
}
