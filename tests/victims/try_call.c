// try_call: make exactly one syscall (raw, through syscall(2), so the syscall number is the one
// named) and print what it returned. Output goes through writev(2), never write(2), so a policy
// that denies write still lets the victim report.
//
//   try_call [fork:|thread:]OP ARGS...
//     unlinkat PATH       unlinkat(AT_FDCWD, PATH, 0)
//     mkdir PATH          mkdir(PATH, 0755)
//     write PATH          open PATH for append, then write(fd, "hello\n", 6)
//     kill PID SIG        kill(PID, SIG)
//     execve PATH         execve(PATH, {PATH, NULL}, environ)
//     getpid              getpid()
//     unshare FLAGS       unshare(FLAGS), FLAGS in any base strtoul takes
//   fork:OP   runs OP in a forked child; the parent prints how the child ended.
//   thread:OP runs OP in a second thread; the main thread prints "joined" after it.
//
// Prints "pid=<tid> calling OP" before the call and "OP ret=<r> errno=<NAME|0>" after it.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void say(const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n >= sizeof buf) n = (int)sizeof buf - 1;
  struct iovec iov = {buf, (size_t)n};
  (void)writev(STDOUT_FILENO, &iov, 1);
}

static const char *errname(int e) {
  if (e == 0) return "0";
  const char *name = strerrorname_np(e);
  return name ? name : "?";
}

static int g_argc;
static char **g_argv;  // g_argv[0] is the op

static void usage(void) {
  say("usage: try_call [fork:|thread:]OP ARGS...\n");
  _exit(2);
}

static void need(int n) {
  if (g_argc < n + 1) usage();
}

static int run_op(void) {
  const char *op = g_argv[0];
  long tid = syscall(SYS_gettid);
  long r;
  int fd = -1;
  if (strcmp(op, "write") == 0) {
    need(1);
    fd = open(g_argv[1], O_WRONLY | O_APPEND);
    if (fd < 0) {
      say("open %s failed: %s\n", g_argv[1], errname(errno));
      return 1;
    }
    say("fd=%d\n", fd);
  }
  say("pid=%ld calling %s\n", tid, op);
  errno = 0;
  if (strcmp(op, "unlinkat") == 0) {
    need(1);
    r = syscall(SYS_unlinkat, AT_FDCWD, g_argv[1], 0);
  } else if (strcmp(op, "mkdir") == 0) {
    need(1);
    r = syscall(SYS_mkdir, g_argv[1], 0755);
  } else if (strcmp(op, "write") == 0) {
    r = syscall(SYS_write, fd, "hello\n", 6);
  } else if (strcmp(op, "kill") == 0) {
    need(2);
    r = syscall(SYS_kill, atoi(g_argv[1]), atoi(g_argv[2]));
  } else if (strcmp(op, "execve") == 0) {
    need(1);
    char *args[] = {g_argv[1], NULL};
    r = syscall(SYS_execve, g_argv[1], args, environ);
  } else if (strcmp(op, "getpid") == 0) {
    r = syscall(SYS_getpid);
  } else if (strcmp(op, "unshare") == 0) {
    need(1);
    r = syscall(SYS_unshare, strtoul(g_argv[1], NULL, 0));
  } else {
    usage();
    return 2;
  }
  int e = errno;
  say("%s ret=%ld errno=%s\n", op, r, errname(r == -1 ? e : 0));
  return 0;
}

static void *thread_main(void *arg) {
  (void)arg;
  return (void *)(long)run_op();
}

int main(int argc, char **argv) {
  if (argc < 2) usage();
  g_argc = argc - 1;
  g_argv = argv + 1;
  char *op = argv[1];
  if (strncmp(op, "fork:", 5) == 0) {
    g_argv[0] = op + 5;
    pid_t pid = fork();
    if (pid < 0) {
      say("fork failed: %s\n", errname(errno));
      return 1;
    }
    if (pid == 0) _exit(run_op());
    int status;
    while (waitpid(pid, &status, 0) < 0) {
      if (errno != EINTR) {
        say("waitpid failed: %s\n", errname(errno));
        return 1;
      }
    }
    if (WIFEXITED(status))
      say("child status=exit %d\n", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
      say("child status=signal %d\n", WTERMSIG(status));
    return 0;
  }
  if (strncmp(op, "thread:", 7) == 0) {
    g_argv[0] = op + 7;
    pthread_t t;
    int err = pthread_create(&t, NULL, thread_main, NULL);
    if (err != 0) {
      say("pthread_create failed: %s\n", errname(err));
      return 1;
    }
    void *ret;
    pthread_join(t, &ret);
    say("joined\n");
    return (int)(long)ret;
  }
  return run_op();
}
