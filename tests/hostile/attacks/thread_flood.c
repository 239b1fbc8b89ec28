// thread_flood N ERRNO: N threads alive at the same time (small stacks), released together by a
// barrier; each makes one denied call (getppid) and checks it failed with ERRNO. Prints
// "threads=<started> denied=<ok> wrong=<bad>"; exit 0 iff all N started and were denied.
#include "attack.h"

#include <pthread.h>
#include <stdatomic.h>

static pthread_barrier_t g_barrier;
static int g_want;
static _Atomic int g_denied, g_wrong;

static void *worker(void *arg) {
  (void)arg;
  pthread_barrier_wait(&g_barrier);
  errno = 0;
  long r = syscall(SYS_getppid);
  if (r == -1 && errno == g_want)
    atomic_fetch_add(&g_denied, 1);
  else
    atomic_fetch_add(&g_wrong, 1);
  return NULL;
}

int main(int argc, char **argv) {
  int n = argc == 3 ? atoi(argv[1]) : 0;
  g_want = argc == 3 ? errno_from(argv[2]) : -1;
  if (n <= 0 || g_want <= 0) {
    say(2, "usage: thread_flood N ERRNO\n");
    return 2;
  }
  pthread_t *t = calloc((size_t)n, sizeof *t);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  pthread_barrier_init(&g_barrier, NULL, (unsigned)n + 1);
  int started = 0;
  for (; started < n; started++) {
    int e = pthread_create(&t[started], &attr, worker, NULL);
    if (e != 0) {
      say(1, "pthread_create %d failed: %s\n", started, errname(e));
      return 2;  // the barrier would never open: give up at once
    }
  }
  pthread_barrier_wait(&g_barrier);
  for (int i = 0; i < started; i++) pthread_join(t[i], NULL);
  say(1, "threads=%d denied=%d wrong=%d\n", started, atomic_load(&g_denied),
          atomic_load(&g_wrong));
  return started == n && atomic_load(&g_denied) == n ? 0 : 1;
}
