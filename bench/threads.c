/* threads [--pledge P] N [T]: T threads (default 4) share N syscalls between them: a mix of
 * getppid, getuid and fstat on an fd, all plain "stdio" calls. */
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "pledge_note.h"

static long per_thread;

static void *worker(void *arg) {
  (void)arg;
  long sum = 0;
  struct stat st;
  for (long k = 0; k < per_thread; k++) {
    switch (k % 3) {
      case 0: sum += syscall(SYS_getppid); break;
      case 1: sum += syscall(SYS_getuid); break;
      default: sum += syscall(SYS_fstat, 0, &st); break;
    }
  }
  return (void *)sum;
}

int main(int argc, char **argv) {
  const char *promises, *execpromises;
  int i = bench_pledge_args(argc, argv, &promises, &execpromises);
  long n = i < argc ? atol(argv[i]) : 1000000;
  int t = i + 1 < argc ? atoi(argv[i + 1]) : 4;
  if (t < 1 || t > 64) return 2;
  bench_narrow(promises, execpromises);
  per_thread = n / t;
  pthread_t th[64];
  for (int k = 0; k < t; k++)
    if (pthread_create(&th[k], NULL, worker, NULL) != 0) {
      fprintf(stderr, "threads: pthread_create failed\n");
      return 1;
    }
  for (int k = 0; k < t; k++) pthread_join(th[k], NULL);
  return 0;
}
