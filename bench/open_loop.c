/* open_loop [--pledge P] N FILE: N times openat(FILE, O_RDONLY) + read(4 KiB) + close. */
#include <fcntl.h>
#include <stdlib.h>

#include "pledge_note.h"

int main(int argc, char **argv) {
  const char *promises, *execpromises;
  int i = bench_pledge_args(argc, argv, &promises, &execpromises);
  if (i + 1 >= argc) {
    fprintf(stderr, "usage: open_loop [--pledge P] N FILE\n");
    return 2;
  }
  long n = atol(argv[i]);
  const char *file = argv[i + 1];
  bench_narrow(promises, execpromises);
  static char buf[4096];
  for (long k = 0; k < n; k++) {
    int fd = openat(AT_FDCWD, file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      fprintf(stderr, "open_loop: openat %s: %s (after %ld)\n", file, strerror(errno), k);
      return 1;
    }
    if (read(fd, buf, sizeof buf) < 0) return 1;
    close(fd);
  }
  return 0;
}
