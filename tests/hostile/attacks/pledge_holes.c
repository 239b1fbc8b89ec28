// pledge_holes [VARIANT...]: ways around a pledge's in-kernel filter (issue 15 items 2 and 3),
// each in its own process. The policy allows everything: what refuses socket() here is the
// pledge, and in seccomp mode only a filter in the kernel makes the call stop at all.
//   exec: xpledge(NULL, "stdio rpath prot_exec"), execve: the new image must not create a
//     socket, fork or mkdir (execpromises enforced after exec);
//   fake: the program's own earlier filter answers every seccomp() with SECCOMP_RET_ERRNO|0,
//     so the supervisor's injected seccomp() "succeeds" without installing anything: xpledge
//     must fail, or socket() still be refused;
//   fake-race: as fake, but the program's filter fakes only seccomp() calls whose program lies
//     where the supervisor's does, while a sibling thread stacks real filters with TSYNC as fast
//     as it can, so that the caller's filter count rises anyway (20 tries);
//   fork-busy: a thread keeps installing seccomp filters of its own while the main thread forks
//     children that pledge: a child must not inherit its parent's in-flight seccomp traffic
//     (its xpledge would wait for ever);
//   swap: a sibling thread scans the caller's stack for the injected struct sock_fprog and
//     points it at an allow-all program before the kernel copies it (50 tries).
#include "attack.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define SYS_xpledge 10000

static char g_self[4096], g_dir[4096];

static long xpledge(const char *p, const char *e) { return syscall(SYS_xpledge, p, e); }

// After a pledge without inet/proc/cpath: each call must be refused with EPERM.
static void expect_narrowed(const char *name) {
  char what[64];
  long r = socket(AF_INET, SOCK_STREAM, 0);
  snprintf(what, sizeof what, "%s/socket", name);
  expect_denied(what, r, errno, EPERM);
  char dir[4200];
  snprintf(dir, sizeof dir, "%s/%s.made", g_dir, name);
  r = mkdir(dir, 0755);
  snprintf(what, sizeof what, "%s/mkdir", name);
  expect_denied(what, r, errno, EPERM);
  r = syscall(SYS_fork);
  if (r == 0) _exit(0);
  int err = errno;
  if (r > 0) waitpid((pid_t)r, NULL, 0);
  snprintf(what, sizeof what, "%s/fork", name);
  expect_denied(what, r, err, EPERM);
}

static void variant_exec(void) {
  if (xpledge(NULL, "stdio rpath prot_exec") != 0)
    return setup_error("exec", "xpledge(NULL, execpromises): %s", errname(errno));
  char *argv[] = {g_self, g_dir, "exec-stage2", NULL};
  execv(g_self, argv);
  setup_error("exec", "execv: %s", errname(errno));
}

static void variant_fake(void) {
  struct sock_filter prog[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_seccomp, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog fprog = {sizeof prog / sizeof prog[0], prog};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0)
    return setup_error("fake", "installing the faking filter: %s", errname(errno));
  if (xpledge("stdio", NULL) != 0) {
    ok("fake", "xpledge refused: %s (the filter was not installed)", errname(errno));
    return;
  }
  expect_narrowed("fake");
}

static void *tsync_loop(void *arg) {
  struct sock_fprog allow = {1, (struct sock_filter[]){BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)}};
  for (int i = 0; i < 300 && !atomic_load((_Atomic int *)arg); i++)
    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &allow);
  return NULL;
}

static int fake_race_once(void) {
  // seccomp() with args[2] (the fprog) in [0x7d000000, 0x80000000): RET_ERRNO|0; else allow.
  struct sock_filter prog[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_seccomp, 0, 5),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2]) + 4),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
      BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x7d000000, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog fprog = {sizeof prog / sizeof prog[0], prog};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0)
    return 2;
  static _Atomic int stop;
  pthread_t t;
  if (pthread_create(&t, NULL, tsync_loop, (void *)&stop) != 0) return 2;
  struct timespec ts = {0, 200000};
  nanosleep(&ts, NULL);
  long r = xpledge("stdio", NULL);
  atomic_store(&stop, 1);
  pthread_join(t, NULL);
  if (r != 0) return 3;
  return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 1 : 0;
}

static void variant_fake_race(void) {
  int faked = 0, refused = 0;
  for (int i = 0; i < 20; i++) {
    pid_t pid = fork();
    if (pid < 0) return setup_error("fake-race", "fork: %s", errname(errno));
    if (pid == 0) _exit(fake_race_once());
    int st = 0;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) == 2)
      return setup_error("fake-race", "try %d: status %#x", i, st);
    if (WEXITSTATUS(st) == 1) faked++;
    if (WEXITSTATUS(st) == 3) refused++;
  }
  if (faked)
    bypass("fake-race", "%d of 20 pledged processes could still create a socket", faked);
  else
    ok("fake-race", "20 tries: every pledge refused (%d) or enforced", refused);
}

static void *filter_loop(void *arg) {
  struct sock_fprog allow = {1, (struct sock_filter[]){BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)}};
  for (int i = 0; i < 2000 && !atomic_load((_Atomic int *)arg); i++)
    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &allow);
  return NULL;
}

static void variant_fork_busy(void) {
  static _Atomic int stop;
  pthread_t t;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return setup_error("fork-busy", "no_new_privs");
  if (pthread_create(&t, NULL, filter_loop, (void *)&stop) != 0)
    return setup_error("fork-busy", "pthread_create");
  int done = 0;
  for (int i = 0; i < 50; i++) {
    pid_t pid = fork();
    if (pid < 0) break;
    if (pid == 0) _exit(xpledge("stdio", NULL) == 0 || errno == EPERM ? 0 : 1);
    int st = 0;
    waitpid(pid, &st, 0);
    done += WIFEXITED(st) && WEXITSTATUS(st) == 0;
  }
  atomic_store(&stop, 1);
  pthread_join(t, NULL);
  ok("fork-busy", "%d of 50 children pledged (or were refused) and exited", done);
}

// swap: the caller publishes where its stack is; the sibling rewrites what looks like the
// injected fprog (a length, padding, then a pointer just above it) below that.
static _Atomic uintptr_t g_sp;
static _Atomic int g_stop;
static struct sock_filter g_allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};

static void *swapper(void *arg) {
  (void)arg;
  while (!atomic_load(&g_stop)) {
    uintptr_t sp = atomic_load(&g_sp);
    if (!sp) continue;
    for (uintptr_t a = (sp - 4096 - 65536) & ~(uintptr_t)7; a < sp - 4096; a += 8) {
      volatile uint64_t *w = (volatile uint64_t *)a;
      uint64_t len = w[0], ptr = w[1];
      if (len > 0 && len <= 4096 && ptr > a && ptr < sp && (ptr & 0xf) == 0) {
        w[1] = (uint64_t)(uintptr_t)g_allow;
        w[0] = 1;
      }
    }
  }
  return NULL;
}

static int swap_once(void) {
  pthread_t t;
  // Touch the stack the scan reads, so it is mapped.
  volatile char pad[80000];
  pad[0] = 0;
  pad[sizeof pad - 1] = 0;
  if (pthread_create(&t, NULL, swapper, NULL) != 0) return 2;
  char here;
  atomic_store(&g_sp, (uintptr_t)&here);
  long r = xpledge("stdio", NULL);
  atomic_store(&g_stop, 1);
  pthread_join(t, NULL);
  if (r != 0) return 3;
  long s = socket(AF_INET, SOCK_STREAM, 0);
  return s >= 0 ? 1 : 0;
}

static void variant_swap(void) {
  int swapped = 0, refused = 0;
  for (int i = 0; i < 50; i++) {
    pid_t pid = fork();
    if (pid < 0) return setup_error("swap", "fork: %s", errname(errno));
    if (pid == 0) _exit(swap_once());
    int st = 0;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st)) return setup_error("swap", "try %d died: status %#x", i, st);
    if (WEXITSTATUS(st) == 1) swapped++;
    if (WEXITSTATUS(st) == 3) refused++;
    if (WEXITSTATUS(st) == 2) return setup_error("swap", "pthread_create failed");
  }
  if (swapped)
    bypass("swap", "%d of 50 pledged processes could still create a socket", swapped);
  else
    ok("swap", "50 tries, socket() refused after every pledge (%d pledges refused)", refused);
}

static void variant(const char *name) {
  if (strcmp(name, "exec") == 0) variant_exec();
  else if (strcmp(name, "fake") == 0) variant_fake();
  else if (strcmp(name, "fake-race") == 0) variant_fake_race();
  else if (strcmp(name, "fork-busy") == 0) variant_fork_busy();
  else if (strcmp(name, "swap") == 0) variant_swap();
  else setup_error(name, "unknown variant");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    say(2, "usage: pledge_holes DIR [VARIANT...]\n");
    return 2;
  }
  snprintf(g_dir, sizeof g_dir, "%s", argv[1]);
  if (argc == 3 && strcmp(argv[2], "exec-stage2") == 0) {
    expect_narrowed("exec");
    return finish();
  }
  ssize_t n = readlink("/proc/self/exe", g_self, sizeof g_self - 1);
  if (n <= 0) return setup_error("self", "readlink: %s", errname(errno)), finish();
  g_self[n] = 0;
  static const char *all[] = {"exec", "fake", "fake-race", "fork-busy", "swap", NULL};
  const char **names = argc > 2 ? (const char **)argv + 2 : all;
  return run_variants(names, variant);
}
