// deny_flood N ERRNO MARK: N denied calls (getppid, each checked against ERRNO), in two halves;
// after the first N/10 and after all N it creates MARK.1 / MARK.2 and sleeps 1 s, so the script
// can read the supervisor's memory use at both points. Prints "denied=<ok> wrong=<bad>".
#include "attack.h"

#include <time.h>

static long flood(long n, int want) {
  long wrong = 0;
  for (long i = 0; i < n; i++) {
    errno = 0;
    if (syscall(SYS_getppid) != -1 || errno != want) wrong++;
  }
  return wrong;
}

static void mark(const char *base, int which) {
  char path[4096];
  snprintf(path, sizeof path, "%s.%d", base, which);
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0) close(fd);
  struct timespec ts = {1, 0};
  nanosleep(&ts, NULL);
}

int main(int argc, char **argv) {
  long n = argc == 4 ? atol(argv[1]) : 0;
  int want = argc == 4 ? errno_from(argv[2]) : -1;
  if (n <= 0 || want <= 0) {
    say(2, "usage: deny_flood N ERRNO MARK\n");
    return 2;
  }
  long wrong = flood(n / 10, want);
  mark(argv[3], 1);
  wrong += flood(n - n / 10, want);
  mark(argv[3], 2);
  say(1, "denied=%ld wrong=%ld\n", n - wrong, wrong);
  return wrong == 0 ? 0 : 1;
}
