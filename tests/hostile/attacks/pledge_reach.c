// pledge_reach [VARIANT...]: a pledged process must not regain power through one that is not
// (issue 15 item 4): with "stdio rpath wpath" it may open files read-write, but not its
// unpledged parent's /proc/PID/mem (whose code it could then rewrite).
//   child: the pledged child opens /proc/PPID/mem read-write;
//   thread-blocked: a thread of the child, blocked in read(2) while the main thread pledges,
//     opens it once woken;
//   thread-spin: the same from a thread that spins without system calls during the pledge.
#include "attack.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static pid_t g_parent;
static int g_pipe[2];
static _Atomic int g_go;

static void try_mem(const char *name) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/mem", (int)g_parent);
  long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDWR | O_CLOEXEC);
  if (fd >= 0)
    bypass(name, "opened the unpledged parent's memory read-write after the pledge");
  else
    ok(name, "open(/proc/PPID/mem, O_RDWR): errno=%s", errname(errno));
}

static void *blocked(void *arg) {
  char c;
  (void)!read(g_pipe[0], &c, 1);
  try_mem((const char *)arg);
  return NULL;
}

static void *spinning(void *arg) {
  while (!atomic_load(&g_go)) {
  }
  try_mem((const char *)arg);
  return NULL;
}

// ENOSYS: no supervisor (the test's native run, which shows the open works without a pledge).
static int pledge_stdio_rw(void) {
  long r = syscall(10000, "stdio rpath wpath", NULL);
  return r == 0 || errno == ENOSYS ? 0 : -1;
}

static void variant(const char *name) {
  if (strcmp(name, "child") == 0) {
    if (pledge_stdio_rw() != 0) return setup_error(name, "xpledge: %s", errname(errno));
    try_mem(name);
    return;
  }
  pthread_t t;
  int spin = strcmp(name, "thread-spin") == 0;
  if (pipe(g_pipe) != 0) return setup_error(name, "pipe: %s", errname(errno));
  if (pthread_create(&t, NULL, spin ? spinning : blocked, (void *)name) != 0)
    return setup_error(name, "pthread_create");
  struct timespec ts = {0, 20 * 1000 * 1000};
  nanosleep(&ts, NULL);  // the thread is blocked in read(2), or spinning
  if (pledge_stdio_rw() != 0) return setup_error(name, "xpledge: %s", errname(errno));
  atomic_store(&g_go, 1);
  (void)!write(g_pipe[1], "x", 1);
  pthread_join(t, NULL);
}

int main(int argc, char **argv) {
  static const char *all[] = {"child", "thread-blocked", "thread-spin", NULL};
  const char **names = argc > 1 ? (const char **)argv + 1 : all;
  g_parent = getpid();
  return run_variants(names, variant);
}
