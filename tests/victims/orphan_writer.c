// orphan_writer MARKER DELAY_MS CODE: fork a child that sleeps DELAY_MS, then creates MARKER and
// exits 0; the parent exits CODE at once without waiting. A supervisor that waits for every
// descendant returns only after MARKER exists.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: orphan_writer MARKER DELAY_MS CODE\n");
    return 2;
  }
  long ms = atol(argv[2]);
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_EXCL, 0644);
    _exit(fd >= 0 ? 0 : 1);
  }
  return atoi(argv[3]);
}
