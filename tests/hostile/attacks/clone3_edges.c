// clone3_edges: clone3(2) judged as clone and pinned (issue 16), at the edges of its struct.
// Every variant asks for CLONE_UNTRACED; each child must be traced (TracerPid not 0) and still
// under the policy (its getppid gets EUCLEAN: run under deny_getppid.yaml), or the call refused
// with the kernel's own errno:
//
//   odd-size       size 65 (not a multiple of 8): the kernel takes it
//   page-size      size 4096, the tail zero: the kernel takes it
//   page-tail      size 4096, a byte set past the kernel's struct: E2BIG
//   over-page      size 4104: E2BIG
//   cross-unmapped a 128-byte struct whose tail is on an unmapped page: EFAULT
//   cross-none     the same with the tail on a PROT_NONE page (not in the default set: a
//                  fidelity difference, the tracer reads it, see below)
//   parent         CLONE_PARENT: the child is the supervisor's (our parent's) child
//   vfork-child    clone3 from inside a vfork child (CLONE_VM|CLONE_VFORK, raw)
//   set-tid        set_tid names a free pid (needs CAP_SYS_ADMIN: SKIP otherwise)
//   pidfd          CLONE_PIDFD with the pidfd written next to the struct
//   exit-signal    exit_signal SIGUSR1 (clone's low byte)
//
//   clone3_edges [VARIANT...]
#include "attack.h"

#include <linux/sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sched.h>
#include <sys/wait.h>

static int g_report_fd = -1;
static int g_pipe[2];

// The child: T (traced and its getppid refused with EUCLEAN), U (untraced), P (getppid ran).
static long child_main(void) {
  const long tracer = tracer_pid_of("/proc/thread-self/status");
  const long r = syscall(SYS_getppid);
  char c = tracer == 0 ? 'U' : (r == -1 && errno == EUCLEAN) ? 'T' : 'P';
  syscall(SYS_write, g_report_fd, &c, 1);
  return 0;
}

// One clone3 of `size` bytes at `args`; judged against `want_err` (0: a traced child).
static void one(const char *name, void *args, size_t size, int want_err) {
  errno = 0;
  const long r = raw_clone3_run(child_main, args, size);
  if (r < 0) {
    if (want_err && errno == want_err) ok(name, "refused: errno=%s", errname(errno));
    else if (errno == ENOSPC || errno == EPERM || errno == EINVAL) skipped(name, "errno=%s", errname(errno));
    else bypass(name, "errno=%s, expected %s", errname(errno), want_err ? errname(want_err) : "a child");
    return;
  }
  char c = '?';
  struct timespec ts = {3, 0};
  (void)ts;
  if (read(g_pipe[0], &c, 1) != 1) c = '?';
  if (r > 0) waitpid((pid_t)r, NULL, __WALL);
  if (want_err) bypass(name, "made a child (reported %c), expected %s", c, errname(want_err));
  else if (c == 'T') ok(name, "the child is traced and supervised");
  else bypass(name, "the child reported %c (U: untraced, P: its getppid ran)", c);
}

static struct clone_args *g_vfork_args;
static int vfork_child(void *unused) {
  (void)unused;
  long r = raw_clone3_run(child_main, g_vfork_args, sizeof *g_vfork_args);
  if (r <= 0) {
    const char *m = "SKIP clone3-vfork-child: clone3 failed in the vfork child\n";
    syscall(SYS_write, 1, m, strlen(m));
    return 0;
  }
  char c = '?';
  if (syscall(SYS_read, g_pipe[0], &c, 1) != 1) c = '?';
  syscall(SYS_wait4, r, 0, __WALL, 0);
  const char *m = c == 'T' ? "ok clone3-vfork-child: the child is traced and supervised\n"
                           : "BYPASS clone3-vfork-child: the child is not traced or supervised\n";
  syscall(SYS_write, 1, m, strlen(m));
  return c == 'T' ? 0 : 1;
}

static char *page_pair(void) {
  char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return NULL;
  memset(p, 0, 8192);
  return p;
}

int main(int argc, char **argv) {
  if (pipe2(g_pipe, O_CLOEXEC) != 0) return 2;
  g_report_fd = g_pipe[1];
  static const char *all[] = {"odd-size", "page-size", "page-tail", "over-page", "cross-unmapped",
                              "parent", "vfork-child", "set-tid", "pidfd", "exit-signal", NULL};
  const char **names = argc > 1 ? (const char **)argv + 1 : all;
  for (int i = 0; names[i]; i++) {
    const char *v = names[i];
    char *p = page_pair();
    if (!p) return 2;
    struct clone_args *a = (struct clone_args *)p;
    a->flags = CLONE_UNTRACED;
    a->exit_signal = SIGCHLD;
    if (!strcmp(v, "odd-size")) one("clone3-odd-size", a, 65, 0);
    else if (!strcmp(v, "page-size")) one("clone3-page-size", a, 4096, 0);
    else if (!strcmp(v, "page-tail")) { p[4095] = 1; one("clone3-page-tail", a, 4096, E2BIG); }
    else if (!strcmp(v, "over-page")) one("clone3-over-page", a, 4104, E2BIG);
    else if (!strcmp(v, "cross-unmapped")) {
      struct clone_args *b = (struct clone_args *)(p + 4096 - 64);
      memset(b, 0, 64);
      b->flags = CLONE_UNTRACED;
      b->exit_signal = SIGCHLD;
      munmap(p + 4096, 4096);
      one("clone3-cross-unmapped", b, 128, EFAULT);
    } else if (!strcmp(v, "parent")) {
      a->flags = CLONE_UNTRACED | CLONE_PARENT;
      a->exit_signal = 0;
      one("clone3-parent", a, sizeof *a, 0);
    } else if (!strcmp(v, "vfork-child")) {
      // A vfork child (CLONE_VM|CLONE_VFORK, on a stack of its own) makes the clone3.
      static char stack[64 * 1024] __attribute__((aligned(16)));
      g_vfork_args = a;
      pid_t vc = clone(vfork_child, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
      int st = 0;
      if (vc > 0) waitpid(vc, &st, __WALL);
      if (vc < 0 || !WIFEXITED(st)) setup_error("clone3-vfork-child", "vfork child: %#x", st);
      else if (WEXITSTATUS(st) == 1) g_bypass = 1;
    } else if (!strcmp(v, "cross-none")) {
      // The tail on a PROT_NONE page: the kernel cannot read it (EFAULT); /proc/PID/mem reads it
      // (FOLL_FORCE), so the tracer may judge and pin it and the call then succeeds. A fidelity
      // difference, not an escape: the kernel runs what was judged.
      struct clone_args *b = (struct clone_args *)(p + 4096 - 64);
      memset(b, 0, 64);
      b->flags = CLONE_UNTRACED;
      b->exit_signal = SIGCHLD;
      mprotect(p + 4096, 4096, PROT_NONE);
      one("clone3-cross-none", b, 128, EFAULT);
    } else if (!strcmp(v, "set-tid")) {
      // A pid number far from the current ones.
      pid_t *tid = (pid_t *)(p + 1024);
      tid[0] = 31337 + (getpid() % 1000);
      a->set_tid = (unsigned long long)(unsigned long)tid;
      a->set_tid_size = 1;
      one("clone3-set-tid", a, sizeof *a, 0);
    } else if (!strcmp(v, "pidfd")) {
      a->flags = CLONE_UNTRACED | CLONE_PIDFD;
      a->pidfd = (unsigned long long)(unsigned long)(p + 2048);
      one("clone3-pidfd", a, sizeof *a, 0);
    } else if (!strcmp(v, "exit-signal")) {
      signal(SIGUSR1, SIG_IGN);
      a->exit_signal = SIGUSR1;
      one("clone3-exit-signal", a, sizeof *a, 0);
    } else {
      say(2, "clone3_edges: unknown variant %s\n", v);
      return 2;
    }
    munmap(p, 8192);  // (the second page may be gone already)
  }
  return finish();
}
