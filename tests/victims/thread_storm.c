// thread_storm NTHREADS NCALLS DENY_DIR: NTHREADS threads start together (barrier); each makes
// NCALLS raw syscalls alternating getpid and gettid and checks every result (a value meant for
// another thread, or an errno, is counted as bad). Half-way, each thread calls
// unlinkat(DENY_DIR/t<i>) once. Per thread prints
// "thread <i> pid=<tid> unlinkat ret=<r> errno=<NAME> bad=<n>"; exit 0 iff no result was bad.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct worker {
  pthread_t thread;
  int index;
  long tid;
  long deny_ret;
  int deny_errno;
  long bad;
};

static int ncalls;
static const char *deny_dir;
static pid_t pid;
static pthread_barrier_t barrier;

static void *work(void *arg) {
  struct worker *w = arg;
  w->tid = syscall(SYS_gettid);
  char path[4096];
  snprintf(path, sizeof path, "%s/t%d", deny_dir, w->index);
  pthread_barrier_wait(&barrier);
  for (int i = 0; i < ncalls; i++) {
    if (i == ncalls / 2) {
      w->deny_ret = syscall(SYS_unlinkat, AT_FDCWD, path, 0);
      w->deny_errno = w->deny_ret == -1 ? errno : 0;
    }
    if (i % 2 == 0) {
      if (syscall(SYS_getpid) != pid) w->bad++;
    } else {
      if (syscall(SYS_gettid) != w->tid) w->bad++;
    }
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: thread_storm NTHREADS NCALLS DENY_DIR\n");
    return 2;
  }
  int n = atoi(argv[1]);
  ncalls = atoi(argv[2]);
  deny_dir = argv[3];
  pid = getpid();
  struct worker *ws = calloc((size_t)n, sizeof *ws);
  if (!ws || pthread_barrier_init(&barrier, NULL, (unsigned)n) != 0) return 1;
  for (int i = 0; i < n; i++) {
    ws[i].index = i;
    if (pthread_create(&ws[i].thread, NULL, work, &ws[i]) != 0) return 1;
  }
  long bad = 0;
  for (int i = 0; i < n; i++) {
    pthread_join(ws[i].thread, NULL);
    const char *name = ws[i].deny_errno ? strerrorname_np(ws[i].deny_errno) : "0";
    printf("thread %d pid=%ld unlinkat ret=%ld errno=%s bad=%ld\n", i, ws[i].tid,
           ws[i].deny_ret, name ? name : "?", ws[i].bad);
    bad += ws[i].bad;
  }
  printf("bad=%ld\n", bad);
  return bad == 0 ? 0 : 1;
}
