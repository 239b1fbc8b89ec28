// transparent: calls that must behave under an allow-all policy exactly as natively (issue 16).
// One op per run; prints one line per result, "OP = ok" or "OP = ENAME", so that a native run
// and a supervised one can be compared byte for byte.
//
//   transparent rename FROM TO      renameat(AT_FDCWD, FROM, AT_FDCWD, TO)
//   transparent link FROM TO        linkat(AT_FDCWD, FROM, AT_FDCWD, TO, 0)
//   transparent setpgid-self        setpgid(0, getpgrp())
//   transparent setresuid R E S     setresuid(R, E, S) (decimal, -1 = unchanged), raw
//   transparent spawn-setpgroup     posix_spawn(/bin/true) with POSIX_SPAWN_SETPGROUP and our
//                                   own group (the child calls setpgid(0, pgid) itself)
//   transparent clone3 KIND         a raw clone3 (KIND: plain, vfork = CLONE_VM|CLONE_VFORK,
//                                   pidfd = CLONE_PIDFD, vm = CLONE_VM);
//                                   the child reports whether it is traced: "traced" when its
//                                   TracerPid is not 0, "untraced" otherwise, and the parent
//                                   prints how the call went. Under xpledge "traced" is the
//                                   expected answer; natively "untraced".
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

// One write per line (survives raw clones sharing our memory).
static void say(const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n >= sizeof buf) n = (int)sizeof buf - 1;
  (void)!write(STDOUT_FILENO, buf, (size_t)n);
}

static const char *errname(int e) {
  if (e == 0) return "0";
  const char *s = strerrorname_np(e);
  return s ? s : "?";
}

static int result(const char *op, int ok) {
  const int e = ok ? 0 : errno;
  say("%s = %s\n", op, ok ? "ok" : errname(e));
  return e == 0 ? 0 : 1;
}

// TracerPid of this task, read with raw calls only (a CLONE_VM child shares our libc state).
static long tracer_pid(void) {
  char buf[4096];
  long fd = syscall(SYS_openat, AT_FDCWD, "/proc/thread-self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  long n = syscall(SYS_read, fd, buf, sizeof buf - 1);
  syscall(SYS_close, fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  const char *p = strstr(buf, "\nTracerPid:");
  if (!p) return -1;
  p += 11;
  while (*p == ' ' || *p == '\t') p++;
  long v = 0;
  while (*p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
  return v;
}

static char g_child_says[16];
static int g_report_fd = -1;

// The child's whole life: report, then exit (raw calls only; with CLONE_VM it shares our memory
// and TLS, on a stack of its own).
static long child_main(void) {
  const long tracer = tracer_pid();
  const char *word = tracer > 0 ? "traced" : tracer == 0 ? "untraced" : "unknown";
  syscall(SYS_write, g_report_fd, word, strlen(word));
  return 0;
}

// clone3 with a child that never returns into this function's frame (a CLONE_VM child on its own
// stack has no frame to return to; a CLONE_VFORK one would clobber ours): it calls child_main
// and exits from the assembly.
static long raw_clone3(struct clone_args *args, size_t size) {
  register long rax __asm__("rax") = SYS_clone3;
  register long (*fn)(void) __asm__("r12") = child_main;
  __asm__ volatile(
      "syscall\n\t"
      "test %%rax, %%rax\n\t"
      "jnz 1f\n\t"
      "and $-16, %%rsp\n\t"
      "call *%%r12\n\t"
      "mov %%rax, %%rdi\n\t"
      "mov $60, %%eax\n\t"  // exit (this task only)
      "syscall\n\t"
      "1:\n\t"
      : "+a"(rax)
      : "D"(args), "S"(size), "r"(fn)
      : "rcx", "r11", "memory");
  if (rax < 0) {
    errno = (int)-rax;
    return -1;
  }
  return rax;
}

static int do_clone3(const char *kind) {
  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.exit_signal = SIGCHLD;
  int pidfd = -1;
  const size_t size = 64 * 1024;
  char *stack = NULL;
  if (strcmp(kind, "plain") == 0) {
  } else if (strcmp(kind, "vfork") == 0) {
    args.flags = CLONE_VM | CLONE_VFORK;  // as posix_spawn makes its child
  } else if (strcmp(kind, "pidfd") == 0) {
    args.flags = CLONE_PIDFD;
    args.pidfd = (unsigned long long)(unsigned long)&pidfd;
  } else if (strcmp(kind, "vm") == 0) {
    args.flags = CLONE_VM;
  } else {
    say("unknown clone3 kind %s\n", kind);
    return 2;
  }
  if (args.flags & CLONE_VM) {
    stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (stack == MAP_FAILED) return 2;
    args.stack = (unsigned long long)(unsigned long)stack;
    args.stack_size = size;
  }
  int fds[2];
  if (pipe(fds) != 0) return 2;
  g_report_fd = fds[1];
  const long r = raw_clone3(&args, sizeof args);
  const int err = errno;
  close(fds[1]);
  if (r < 0) {
    say("clone3 %s = %s\n", kind, errname(err));
    return 1;
  }
  ssize_t n = read(fds[0], g_child_says, sizeof g_child_says - 1);
  g_child_says[n > 0 ? n : 0] = 0;
  int st = 0;
  const pid_t w = waitpid((pid_t)r, &st, __WALL);
  say("clone3 %s = ok child %s%s%s\n", kind, g_child_says[0] ? g_child_says : "silent",
      w == r && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? " exited 0" : " ended badly",
      strcmp(kind, "pidfd") == 0 ? (pidfd >= 0 ? " pidfd" : " no-pidfd") : "");
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  const char *op = argv[1];
  if (strcmp(op, "rename") == 0 && argc == 4)
    return result("rename", renameat(AT_FDCWD, argv[2], AT_FDCWD, argv[3]) == 0);
  if (strcmp(op, "link") == 0 && argc == 4)
    return result("link", linkat(AT_FDCWD, argv[2], AT_FDCWD, argv[3], 0) == 0);
  if (strcmp(op, "setpgid-self") == 0)
    return result("setpgid-self", setpgid(0, getpgrp()) == 0);
  if (strcmp(op, "spawn-setpgroup") == 0) {
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, getpgrp());
    pid_t pid;
    char *args[] = {"true", NULL};
    const int e = posix_spawn(&pid, "/bin/true", NULL, &attr, args, environ);
    int st = 0;
    if (e == 0) waitpid(pid, &st, 0);
    errno = e;
    return result("spawn-setpgroup", e == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  if (strcmp(op, "setresuid") == 0 && argc == 5) {
    // Raw, with the ids as given (-1 for "unchanged"), as 32-bit values like glibc passes them.
    const unsigned r = (unsigned)atoi(argv[2]), e = (unsigned)atoi(argv[3]),
                   su = (unsigned)atoi(argv[4]);
    return result("setresuid", syscall(SYS_setresuid, r, e, su) == 0);
  }
  if (strcmp(op, "clone3") == 0 && argc == 3) return do_clone3(argv[2]);
  say("usage: transparent rename|link FROM TO | setpgid-self | spawn-setpgroup | clone3 KIND\n");
  return 2;
}
