/* deny_loop N: call getppid() N times; print how many failed with EUCLEAN and how many
 * returned anything else. Used to check that N denials give exactly N log records. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000, denied = 0, other = 0;
  for (long i = 0; i < n; ++i) {
    long r = syscall(SYS_getppid);
    if (r == -1 && errno == EUCLEAN) ++denied;
    else ++other;
  }
  printf("denied=%ld other=%ld\n", denied, other);
  return 0;
}
