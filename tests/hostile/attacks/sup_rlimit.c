// sup_rlimit [VARIANT...]: a tracee changes the supervisor's resource limits. prlimit64(2) on
// another process needs only matching uids (check_prlimit_permission): neither non-dumpability
// nor the Landlock domain's ptrace scoping stops it, and the guard does not look at prlimit64's
// pid. The supervisor is the first tracee's parent (getppid()).
//   nofile-thread: the soft RLIMIT_NOFILE of the supervisor is set to 0 while a thread is
//     created: the supervisor cannot open /proc/TID/status, read_tgid() answers 0, and
//     on_new_child takes the thread for a new process (a copy of its process's state, not
//     pledged). The limit is put back, the main thread pledges "stdio" (a narrowing of a process
//     the supervisor believes single-threaded: no stop for the others, no nesting), and the
//     thread opens a file, which "stdio" forbids: judged by its copy, it is allowed.
//   control: the same without touching the limit (the thread's open is refused).
// Each variant runs in a child (a pledge is for good); the supervisor's pid is the first
// tracee's getppid(), passed down (g_sup).
#include "attack.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define SYS_xpledge 10000
static _Atomic int g_go;
static long g_fd = -2, g_errno;
static const char *g_file;
static pid_t g_sup;

static void *opener(void *arg) {
  (void)arg;
  while (!atomic_load(&g_go)) {
  }
  g_fd = syscall(SYS_openat, AT_FDCWD, g_file, O_RDONLY | O_CLOEXEC);
  g_errno = errno;
  return NULL;
}

static void nofile_thread(const char *name, int lower) {
  pid_t sup = g_sup;
  struct rlimit old, zero;
  if (syscall(SYS_prlimit64, sup, RLIMIT_NOFILE, NULL, &old) != 0)
    return setup_error(name, "prlimit64(supervisor %d) get: %s", (int)sup, strerror(errno));
  zero = old;
  zero.rlim_cur = 0;
  if (lower && syscall(SYS_prlimit64, sup, RLIMIT_NOFILE, &zero, NULL) != 0) {
    ok(name, "prlimit64(supervisor, RLIMIT_NOFILE) refused: errno=%s", strerror(errno));
    return;
  }
  pthread_t t;
  int rc = pthread_create(&t, NULL, opener, NULL);
  struct timespec ts = {0, 100 * 1000 * 1000};
  nanosleep(&ts, NULL);  // the thread is through its start-up calls, spinning
  if (lower) syscall(SYS_prlimit64, sup, RLIMIT_NOFILE, &old, NULL);
  if (rc != 0) return setup_error(name, "pthread_create: %s", strerror(rc));
  long p = syscall(SYS_xpledge, "stdio", NULL);
  if (p != 0) {
    atomic_store(&g_go, 1);
    pthread_join(t, NULL);
    ok(name, "xpledge(stdio) failed: %s (thread's open: %ld)", strerror(errno), g_fd);
    return;
  }
  long own = syscall(SYS_openat, AT_FDCWD, g_file, O_RDONLY | O_CLOEXEC);
  long own_errno = errno;
  atomic_store(&g_go, 1);
  pthread_join(t, NULL);
  if (g_fd >= 0)
    bypass(name, "pledged \"stdio\"; the main thread's open of %s: %ld (errno %ld), the thread's "
           "open: fd %ld (the supervisor took the thread for an unpledged process)",
           g_file, own, own < 0 ? own_errno : 0, g_fd);
  else
    ok(name, "pledged \"stdio\"; the thread's open: errno=%s", strerror((int)g_errno));
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  g_file = argv[1];
  g_sup = getppid();
  // Each variant in a child of its own: a pledge is for good.
  const char *names[] = {"control", "nofile-thread"};
  for (int i = 0; i < 2; ++i) {
    pid_t pid = fork();
    if (pid == 0) {
      nofile_thread(names[i], i);
      _exit(finish());
    }
    int st = 0;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) > 1) g_setup_error = 1;
    else if (WEXITSTATUS(st) == 1) g_bypass = 1;
  }
  return finish();
}
