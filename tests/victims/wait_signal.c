// wait_signal READYFILE SIG|-: install a handler for SIG (a name without "SIG": TERM, INT, HUP,
// QUIT, USR1, USR2, WINCH), write our pid to READYFILE (atomically, via rename) and wait.
// When SIG arrives print "got SIG<NAME>" and exit 0. With "-", install nothing and just wait:
// the default action of whatever signal comes ends the process. Gives up after 30 s (SIGALRM).
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static void on_signal(int sig) { got = sig; }

static int signal_by_name(const char *name) {
  static const struct { const char *name; int sig; } table[] = {
      {"TERM", SIGTERM}, {"INT", SIGINT},   {"HUP", SIGHUP},     {"QUIT", SIGQUIT},
      {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"WINCH", SIGWINCH},
  };
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strcmp(name, table[i].name) == 0) return table[i].sig;
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: wait_signal READYFILE SIG|-\n");
    return 2;
  }
  int sig = 0;
  sigset_t block, empty;
  sigemptyset(&block);
  sigemptyset(&empty);
  if (strcmp(argv[2], "-") != 0) {
    sig = signal_by_name(argv[2]);
    if (!sig) {
      fprintf(stderr, "wait_signal: unknown signal %s\n", argv[2]);
      return 2;
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) != 0) return 1;
    sigaddset(&block, sig);
    sigprocmask(SIG_BLOCK, &block, NULL);
  }
  alarm(30);
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]);
  FILE *f = fopen(tmp, "w");
  if (!f) return 1;
  fprintf(f, "%d\n", (int)getpid());
  if (fclose(f) != 0 || rename(tmp, argv[1]) != 0) return 1;
  if (!sig) {
    for (;;) pause();
  }
  while (!got) sigsuspend(&empty);
  printf("got SIG%s\n", sigabbrev_np(got));
  return 0;
}
