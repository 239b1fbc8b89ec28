// stop_cont PIDFILE GOFILE: write our pid to PIDFILE (atomically, via rename), then tick every
// 10 ms until GOFILE exists (give up after 15 s: exit 3). Prints "max_gap_ms=<n>": the longest
// time between two ticks, i.e. how long the process was kept from running (by SIGSTOP).
#define _GNU_SOURCE
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: stop_cont PIDFILE GOFILE\n");
    return 2;
  }
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]);
  FILE *f = fopen(tmp, "w");
  if (!f) return 1;
  fprintf(f, "%d\n", (int)getpid());
  if (fclose(f) != 0 || rename(tmp, argv[1]) != 0) return 1;

  long start = now_ms(), last = start, max_gap = 0;
  while (access(argv[2], F_OK) != 0) {
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
    long t = now_ms();
    if (t - last > max_gap) max_gap = t - last;
    last = t;
    if (t - start > 15000) {
      printf("timed out, max_gap_ms=%ld\n", max_gap);
      return 3;
    }
  }
  printf("max_gap_ms=%ld\n", max_gap);
  return 0;
}
