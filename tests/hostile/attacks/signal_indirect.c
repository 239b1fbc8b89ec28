// signal_indirect: reach the supervisor with a signal without naming its pid in kill/tgkill:
//
//   group-alarm  kill(0, SIGALRM): the caller's process group, which the supervisor shares
//   group-stop   setpgid(0, 0) to leave that group, then kill(-<supervisor's pgid>, SIGSTOP)
//   group-back   setpgid(0, 0) to leave that group, then setpgid(0, <supervisor's pgid>) to go
//                back (a kill(0, SIGSTOP) checked before the move would reach it after); and
//                a forked child, in its own group, moved back into it by its parent
//   all-alarm    kill(-1, SIGALRM): every process we may signal. Only inside a fresh PID
//                namespace: refuses to run unless /proc/self/ns/pid differs from $HOST_PIDNS
//   pidfd-procfs pidfd_send_signal() on an fd of the directory /proc/<supervisor> (the kernel
//                accepts those as pidfds), SIGSTOP
//   sigio        fcntl(F_SETOWN, supervisor) + O_ASYNC on a pipe, then make it readable: the
//                kernel sends SIGIO (default action: terminate) to the owner
//   sigio-stop   the same with F_SETSIG(SIGSTOP)
//
// SIGALRM and SIGIO are ignored here first, so a signal that reaches the supervisor kills only
// it: xpledge then dies of that signal (and EXITKILL takes us), which the script sees. A
// SIGSTOP that lands is seen here (state T) and undone by the same route with SIGCONT; the
// script also watches the supervisor's state from outside (in pure ptrace mode this program
// hangs at its next call while the supervisor is stopped).
// group-alarm and group-stop refuse to run unless the supervisor leads its own process group
// with nobody else in it but us (the script starts it with setsid), so nothing else is hit.
#include "attack.h"

#include <dirent.h>
#include <signal.h>

// Every pid whose process group is `pgid`, except ours; returns how many.
static int others_in_group(pid_t pgid, pid_t except1, pid_t except2) {
  DIR *d = opendir("/proc");
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d));) {
    const long pid = strtol(e->d_name, NULL, 10);
    if (pid <= 0 || pid == except1 || pid == except2) continue;
    if (getpgid((pid_t)pid) == pgid) {
      say(2, "signal_indirect: pid %ld is in the supervisor's process group %d\n", pid,
              (int)pgid);
      n++;
    }
  }
  if (d) closedir(d);
  return n;
}

static int group_is_private(pid_t sup) {
  if (getpgid(sup) != sup || others_in_group(sup, sup, getpid()) != 0) {
    setup_error("interlock", "the supervisor %d is not alone in its own process group: refusing",
                (int)sup);
    return 0;
  }
  return 1;
}

static void judge_stop(const char *name, long r, int err, pid_t sup, void (*undo)(void)) {
  const int stopped = became_stopped(sup, 300);
  if (stopped) {
    undo();
    bypass(name, "the supervisor %d was stopped (call returned %ld errno=%s)", (int)sup, r,
           errname(r == -1 ? err : 0));
  } else if (r == -1) {
    ok(name, "errno=%s, supervisor still running", errname(err));
  } else {
    ok(name, "call returned %ld but the supervisor did not stop", r);
  }
}

static pid_t g_sup;
static int g_fd = -1, g_pipe_w = -1;
static void undo_group(void) { kill(-getpgid(g_sup), SIGCONT); }
static void undo_pidfd(void) { syscall(SYS_pidfd_send_signal, g_fd, SIGCONT, NULL, 0); }
static void undo_sigio(void) {
  fcntl(g_fd, F_SETSIG, SIGCONT);
  char c;
  while (read(g_fd, &c, 1) == 1) {
  }
  (void)!write(g_pipe_w, "y", 1);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    say(2, "usage: signal_indirect group-alarm|group-stop|all-alarm|pidfd-procfs|sigio|"
               "sigio-stop\n");
    return 2;
  }
  const char *v = argv[1];
  const pid_t sup = g_sup = getppid();
  signal(SIGALRM, SIG_IGN);
  signal(SIGIO, SIG_IGN);
  long r;
  int err;
  if (strcmp(v, "group-alarm") == 0) {
    if (!group_is_private(sup)) return finish();
    errno = 0;
    r = syscall(SYS_kill, 0, SIGALRM);
    err = errno;
    usleep(200000);  // if it landed, the supervisor is dead and EXITKILL ends us here
    if (r == -1)
      ok("kill-group-SIGALRM", "errno=%s", errname(err));
    else
      ok("kill-group-SIGALRM", "delivered, and the supervisor survived it");
  } else if (strcmp(v, "group-stop") == 0) {
    if (!group_is_private(sup)) return finish();
    if (setpgid(0, 0) != 0) {
      setup_error("setpgid", "%s", errname(errno));
      return finish();
    }
    errno = 0;
    r = syscall(SYS_kill, -getpgid(sup), SIGSTOP);
    err = errno;
    judge_stop("kill-supervisor-group-SIGSTOP", r, err, sup, undo_group);
  } else if (strcmp(v, "group-back") == 0) {
    if (!group_is_private(sup)) return finish();
    const pid_t sup_pgid = getpgid(sup);
    pid_t child = fork();
    if (child == 0) {
      setpgid(0, 0);
      pause();
      _exit(0);
    }
    if (child < 0 || setpgid(0, 0) != 0) {
      setup_error("setpgid", "%s", errname(errno));
      return finish();
    }
    while (getpgid(child) != child) usleep(1000);
    errno = 0;
    r = setpgid(child, sup_pgid);
    expect_denied("setpgid-child-back", r, errno, EPERM);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    errno = 0;
    r = setpgid(0, sup_pgid);
    expect_denied("setpgid-back", r, errno, EPERM);
  } else if (strcmp(v, "all-alarm") == 0) {
    char self_ns[64] = "", host_ns[64];
    const char *env = getenv("HOST_PIDNS");
    ssize_t n = readlink("/proc/self/ns/pid", self_ns, sizeof self_ns - 1);
    if (n > 0) self_ns[n] = 0;
    snprintf(host_ns, sizeof host_ns, "%s", env ? env : "");
    if (n <= 0 || !env || !*env || strcmp(self_ns, host_ns) == 0) {
      setup_error("interlock", "not in a private PID namespace (self %s, host %s): refusing",
                  self_ns, host_ns);
      return finish();
    }
    errno = 0;
    r = syscall(SYS_kill, -1, SIGALRM);
    err = errno;
    usleep(200000);
    if (r == -1)
      ok("kill-all-SIGALRM", "errno=%s", errname(err));
    else
      ok("kill-all-SIGALRM", "delivered, and the supervisor survived it");
  } else if (strcmp(v, "pidfd-procfs") == 0) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d", (int)sup);
    g_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (g_fd < 0) {
      ok("pidfd-procfs-SIGSTOP", "cannot even open %s: errno=%s", path, errname(errno));
      return finish();
    }
    errno = 0;
    r = syscall(SYS_pidfd_send_signal, g_fd, SIGSTOP, NULL, 0);
    err = errno;
    judge_stop("pidfd-procfs-SIGSTOP", r, err, sup, undo_pidfd);
  } else if (strcmp(v, "sigio") == 0 || strcmp(v, "sigio-stop") == 0) {
    int p[2];
    if (pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0) return 2;
    g_fd = p[0];
    g_pipe_w = p[1];
    const int stop = strcmp(v, "sigio-stop") == 0;
    errno = 0;
    r = fcntl(p[0], F_SETOWN, sup);
    err = errno;
    if (r == 0 && stop) r = fcntl(p[0], F_SETSIG, SIGSTOP), err = errno;
    if (r == 0) r = fcntl(p[0], F_SETFL, O_ASYNC | O_NONBLOCK), err = errno;
    if (r != 0) {
      ok(stop ? "sigio-SIGSTOP" : "sigio-SIGIO", "set-up refused: errno=%s", errname(err));
      return finish();
    }
    (void)!write(p[1], "x", 1);
    if (stop) {
      judge_stop("sigio-SIGSTOP", 0, 0, sup, undo_sigio);
    } else {
      usleep(200000);
      ok("sigio-SIGIO", "SIGIO sent to the owner, and the supervisor survived it");
    }
  } else {
    say(2, "signal_indirect: unknown variant %s\n", v);
    return 2;
  }
  return finish();
}
