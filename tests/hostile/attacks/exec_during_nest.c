// exec_during_nest [after]: a sibling thread's execve kills a thread in the middle of the
// supervisor's injected calls (the Landlock nesting chain of a narrowing xpledge(), or its
// injected pledge filter). If the exec event is handled before that thread's exit, the process
// keeps counting it as busy (ProcessState::nest_chains / filter_injector / seccomp_running are
// not reset by on_exec): the new image's xpledge() or seccomp() then waits at its stop for ever,
// and xpledge never ends. Each attempt is a forked process given 3 s; "after" is the new image,
// which pledges "stdio" once.
#include "attack.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

static _Atomic int g_go;
static char g_self[4096];

static void *execer(void *arg) {
  (void)arg;
  while (!atomic_load(&g_go)) {
  }
  for (volatile int i = 0; i < (int)(random() % 20000); i++) {
  }
  char *argv[] = {"exec_during_nest", "after", NULL};
  syscall(SYS_execve, g_self, argv, NULL);
  return NULL;
}

// 0: the attempt ended; 1: it hung (killed after 3 s).
static int attempt(void) {
  pid_t c = fork();
  if (c == 0) {
    srandom((unsigned)getpid());
    pthread_t t;
    pthread_create(&t, NULL, execer, NULL);
    struct timespec ts = {0, 2 * 1000 * 1000};
    nanosleep(&ts, NULL);
    atomic_store(&g_go, 1);
    syscall(10000, "stdio rpath proc exec", NULL);
    for (;;) pause();  // the sibling's exec ends us
  }
  for (int i = 0; i < 300; i++) {
    int st;
    if (waitpid(c, &st, WNOHANG) == c) return 0;
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  kill(c, SIGKILL);
  waitpid(c, NULL, 0);
  return 1;
}

static void variant(const char *name) {
  int tries = 0;
  for (; tries < 100; tries++) {
    if (attempt()) {
      bypass(name, "attempt %d: the new image did not finish within 3 s (its xpledge waits for "
                   "ever?)", tries + 1);
      return;
    }
  }
  ok(name, "%d attempts, every new image finished", tries);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "after") == 0) {
    long r = syscall(10000, "stdio", NULL);
    _exit(r == 0 ? 0 : 3);
  }
  ssize_t n = readlink("/proc/self/exe", g_self, sizeof g_self - 1);
  if (n <= 0) return 2;
  g_self[n] = 0;
  static const char *all[] = {"exec", NULL};
  return run_variants(all, variant);
}
