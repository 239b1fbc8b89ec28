// sig_flood [N]: a child sends N (default 1000) SIGUSR1 to the parent with kill(2), one at a
// time: after each signal it waits for the parent's handler to acknowledge it over a pipe, so no
// two signals can merge and every one must be counted. Meanwhile the parent sits in waitpid
// (restarted by SA_RESTART after each handler). Prints "received=<count>"; exit 0 iff count == N
// and the child saw every acknowledgement.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t count;
static int ack_fd = -1;

static void on_usr1(int sig) {
  (void)sig;
  count++;
  char c = 'a';
  ssize_t w = write(ack_fd, &c, 1);
  (void)w;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1000;
  int ack[2];
  if (pipe(ack) != 0) return 1;
  ack_fd = ack[1];
  struct sigaction sa = {0};
  sa.sa_handler = on_usr1;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  if (sigaction(SIGUSR1, &sa, NULL) != 0) return 1;

  pid_t parent = getpid();
  pid_t child = fork();
  if (child < 0) return 1;
  if (child == 0) {
    close(ack[1]);
    for (int i = 0; i < n; i++) {
      if (kill(parent, SIGUSR1) != 0) _exit(2);
      char c;
      ssize_t r;
      do r = read(ack[0], &c, 1);
      while (r < 0 && errno == EINTR);
      if (r != 1) _exit(3);
    }
    _exit(0);
  }
  close(ack[0]);
  int status;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) {
      perror("waitpid");
      return 1;
    }
  }
  int child_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  printf("received=%d child=%s\n", (int)count, child_ok ? "ok" : "failed");
  return (count == n && child_ok) ? 0 : 1;
}
