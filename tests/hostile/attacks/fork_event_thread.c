// fork_event_thread: which ptrace event reports a new task says nothing about whether it is a
// thread. The kernel reports PTRACE_EVENT_FORK for any clone whose exit signal is SIGCHLD, a
// CLONE_THREAD one included (legacy clone(2) accepts the pair), and PTRACE_EVENT_CLONE for a new
// process whose exit signal is anything else. The supervisor asks the kernel which thread group
// the task is in (issue 21: with tgkill(TGID, TID, 0) instead of reading /proc/PID/status):
//
//   thread-as-fork     clone(CLONE_THREAD|...|SIGCHLD) makes thread T, held on a pipe; the main
//                      thread pledges "stdio"; then T opens /etc/passwd. T is in the pledged
//                      process: EPERM. A thread taken for a new process would keep its own,
//                      unpledged copy of the state and open it.
//   process-as-clone   clone(SIGUSR1) makes a process P (PTRACE_EVENT_CLONE); P pledges "stdio"
//                      and its open is refused (EPERM), while its parent's open, after, works:
//                      a process taken for a thread would share (and pledge) its parent's state.
#include "attack.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define SYS_xpledge 10000
static int g_go[2], g_res[2];

// Opens /etc/passwd; sends back 0 (it opened) or the errno. Raw calls: T shares our TLS.
static long try_open(void) {
  long fd = syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY | O_CLOEXEC);
  int res = fd >= 0 ? 0 : errno;
  if (fd >= 0) syscall(SYS_close, fd);
  syscall(SYS_write, g_res[1], &res, sizeof res);
  return 0;
}

static long thread_main(void) {
  char c;
  syscall(SYS_read, g_go[0], &c, 1);
  return try_open();
}

static long process_main(void) {
  if (syscall(SYS_xpledge, "stdio", NULL) != 0) {
    int res = -1;
    syscall(SYS_write, g_res[1], &res, sizeof res);
    return 2;
  }
  return try_open();
}

static void judge(const char *name, int res, const char *who) {
  if (res == EPERM) ok(name, "%s: errno=EPERM", who);
  else if (res == 0) bypass(name, "%s opened /etc/passwd under pledge \"stdio\"", who);
  else setup_error(name, "%s: %s", who, res < 0 ? "xpledge failed" : errname(res));
}

static void variant(const char *name) {
  char *stack = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (stack == MAP_FAILED || pipe(g_go) != 0 || pipe(g_res) != 0)
    return setup_error(name, "mmap/pipe: %s", errname(errno));
  int res = -2;
  if (strcmp(name, "thread-as-fork") == 0) {
    const unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                                CLONE_SYSVSEM | SIGCHLD;
    if (raw_clone_run(thread_main, flags, stack + 65536) < 0)
      return setup_error(name, "clone: %s", errname(errno));
    if (syscall(SYS_xpledge, "stdio", NULL) != 0)
      return setup_error(name, "xpledge: %s", errname(errno));
    if (write(g_go[1], "g", 1) != 1 || read(g_res[0], &res, sizeof res) != sizeof res)
      return setup_error(name, "pipe: %s", errname(errno));
    return judge(name, res, "the thread");
  }
  signal(SIGUSR1, SIG_IGN);  // the child's exit signal: its exit must not end us
  const long pid = raw_clone_run(process_main, SIGUSR1, stack + 65536);
  if (pid < 0) return setup_error(name, "clone: %s", errname(errno));
  if (read(g_res[0], &res, sizeof res) != sizeof res) return setup_error(name, "pipe");
  waitpid((pid_t)pid, NULL, __WALL);
  judge(name, res, "the child process");
  const int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
  if (fd < 0) setup_error(name, "the unpledged parent cannot open /etc/passwd: %s", errname(errno));
  else close(fd);
}

int main(int argc, char **argv) {
  static const char *all[] = {"thread-as-fork", "process-as-clone", NULL};
  return run_variants(argc > 1 ? (const char **)argv + 1 : all, variant);
}
