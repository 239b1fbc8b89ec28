// clone3_untraced: clone3(2) keeps its flags in a struct in memory. The supervisor judges the
// call as the clone it makes, clears CLONE_UNTRACED, and has the kernel read a pinned copy of
// what it judged (issue 16; before, every clone3 got ENOSYS). Each variant must make a traced
// child (TracerPid not 0), or be refused:
//
//   untraced      CLONE_UNTRACED, a fork
//   vm-untraced   CLONE_VM | CLONE_UNTRACED, a child on its own stack in our memory
//   vfork-untraced CLONE_VM | CLONE_VFORK | CLONE_UNTRACED, as posix_spawn with the flag added
//   race          a sibling thread flips the struct's flags between 0 and CLONE_UNTRACED |
//                 CLONE_NEWUSER as fast as it can while this thread calls clone3 with it again
//                 and again: the supervisor sees 0 and lets it run, or sees the flags and
//                 refuses (default policy: a new user namespace) or clears CLONE_UNTRACED. A
//                 child that is untraced, or in another user namespace than ours, got past the
//                 check (the kernel read flags it did not see).
//
//   clone3_untraced [VARIANT...]   (all four without arguments)
#include "attack.h"

#include <linux/sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

static int g_report_fd = -1;
static char g_userns[64];

// The child's whole life (raw calls only: it may share our memory and TLS): one byte on the
// report pipe, T (traced, our user namespace), U (untraced) or N (another user namespace).
static long child_main(void) {
  char ns[64] = "";
  long n = syscall(SYS_readlinkat, AT_FDCWD, "/proc/thread-self/ns/user", ns, sizeof ns - 1);
  if (n > 0) ns[n] = 0;
  const long tracer = tracer_pid_of("/proc/thread-self/status");
  const char c = tracer == 0 ? 'U' : strcmp(ns, g_userns) != 0 ? 'N' : 'T';
  syscall(SYS_write, g_report_fd, &c, 1);
  return 0;
}

static int g_pipe[2];

// One clone3; returns the child's report byte, or 0 when the call was refused (errno set).
static char one(struct clone_args *args) {
  const long r = raw_clone3_run(child_main, args, sizeof *args);
  if (r < 0) return 0;
  char c = '?';
  if (read(g_pipe[0], &c, 1) != 1) c = '?';
  waitpid((pid_t)r, NULL, __WALL);
  return c;
}

static void single(const char *name, unsigned long long flags) {
  static char *stack;
  const size_t size = 64 * 1024;
  if (!stack) stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.flags = flags;
  args.exit_signal = SIGCHLD;
  if (flags & CLONE_VM) {
    args.stack = (unsigned long long)(unsigned long)stack;
    args.stack_size = size;
  }
  errno = 0;
  const char c = one(&args);
  if (c == 'T')
    ok(name, "the child is traced");
  else if (c == 0)
    ok(name, "refused: errno=%s", errname(errno));
  else
    bypass(name, "the child reported %c (U: untraced, N: another user namespace)", c);
}

static struct clone_args g_race_args;
static atomic_int g_stop;

static void *flipper(void *unused) {
  (void)unused;
  volatile unsigned long long *flags = &g_race_args.flags;
  while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
    *flags = CLONE_UNTRACED | CLONE_NEWUSER;
    for (volatile int i = 0; i < 50; i++) {
    }
    *flags = 0;
    for (volatile int i = 0; i < 50; i++) {
    }
  }
  return NULL;
}

static void race(void) {
  g_race_args.exit_signal = SIGCHLD;
  pthread_t th;
  if (pthread_create(&th, NULL, flipper, NULL) != 0) {
    setup_error("race", "pthread_create failed");
    return;
  }
  int traced = 0, refused = 0, escaped = 0;
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  do {
    const char c = one(&g_race_args);
    if (c == 'T') traced++;
    else if (c == 0) refused++;
    else escaped++;
    clock_gettime(CLOCK_MONOTONIC, &now);
  } while (now.tv_sec - start.tv_sec < 2 && traced + refused + escaped < 20000);
  atomic_store(&g_stop, 1);
  pthread_join(th, NULL);
  if (escaped)
    bypass("race", "%d children got past the check (%d traced, %d refused)", escaped, traced,
           refused);
  else if (traced == 0 || refused == 0)
    setup_error("race", "the flags never changed under the check (%d traced, %d refused)",
                traced, refused);
  else
    ok("race", "%d children traced in our namespace, %d calls refused, none escaped", traced,
       refused);
}

int main(int argc, char **argv) {
  long n = readlink("/proc/self/ns/user", g_userns, sizeof g_userns - 1);
  if (n <= 0 || pipe2(g_pipe, O_CLOEXEC) != 0) return 2;
  g_userns[n] = 0;
  g_report_fd = g_pipe[1];
  static const char *all[] = {"untraced", "vm-untraced", "vfork-untraced", "race", NULL};
  const char **names = argc > 1 ? (const char **)argv + 1 : all;
  for (int i = 0; names[i]; i++) {
    const char *v = names[i];
    if (strcmp(v, "untraced") == 0) single("clone3-untraced", CLONE_UNTRACED);
    else if (strcmp(v, "vm-untraced") == 0) single("clone3-vm-untraced", CLONE_VM | CLONE_UNTRACED);
    else if (strcmp(v, "vfork-untraced") == 0)
      single("clone3-vfork-untraced", CLONE_VM | CLONE_VFORK | CLONE_UNTRACED);
    else if (strcmp(v, "race") == 0) race();
    else {
      say(2, "clone3_untraced: unknown variant %s\n", v);
      return 2;
    }
  }
  return finish();
}
