/* pledge_steps: run a few steps in order and print what each saw, one line per step:
 *   "STEP = ok" or "STEP = ENAME" (the errno), after "STEP: ..." detail where useful.
 *
 *   pledge:PROMISES[:EXECPROMISES]   xpledge(PROMISES, EXECPROMISES); without :EXECPROMISES the
 *                                    second argument is NULL. The words NULL and BADPTR stand
 *                                    for a NULL pointer and the unreadable pointer (char *)1;
 *                                    "pledge:" alone pledges the empty set "".
 *   unveil:PATH:PERMS                xunveil(PATH, PERMS); NULL as above, "unveil:P:" = ""
 *   thread                           start a thread that sleeps until the process ends
 *   mkdir:PATH                       mkdir(PATH, 0755)
 *   supported                        print xpledge_supported() (1 or 0)
 *   quiet                            print nothing from here on (after pledge("") even
 *                                    writing the report is a violation)
 *   open:r|w|rw|c:PATH               open(PATH, O_RDONLY | O_WRONLY | O_RDWR |
 *                                    O_WRONLY|O_CREAT|O_TRUNC), then close it
 *   socket:inet|unix                 socket(AF_INET|AF_UNIX, SOCK_STREAM, 0), then close it
 *   mmap:rw|rx                       mmap(NULL, 4096, PROT_READ|PROT_WRITE or PROT_READ|
 *                                    PROT_EXEC, MAP_PRIVATE|MAP_ANONYMOUS), then munmap it
 *   mprotect:rx                      mprotect an rw mapping made before the steps to
 *                                    PROT_READ|PROT_EXEC
 *   rename:FROM:TO                   rename(FROM, TO)
 *   link:FROM:TO                     link(FROM, TO)
 *   write                            write(1, "w\n", 2)
 *   exit:N                           _exit(N)
 *   fork                             the remaining steps run in a child; the parent waits and
 *                                    prints "fork = exited N" or "fork = signal N", then
 *                                    exits with the child's status (128+N for a signal)
 *   exec PROG ARGS...                execv(PROG, {PROG, ARGS...}): the rest of the command line
 *
 * Exit status: the errno of the last step (0 when it succeeded), so `pledge:stdio open:r:/etc/x`
 * exits 1 (EPERM) when the open is refused. 126 = a usage error of the victim itself. */
#include "victim.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <xpledge.h>

static const char *word(char *s) {
  if (strcmp(s, "NULL") == 0) return NULL;
  if (strcmp(s, "BADPTR") == 0) return (const char *)1;
  return s;
}

static int result(const char *step, int ok) {
  int e = ok ? 0 : errno;
  say("%s = %s", step, ok ? "ok" : errname(e));
  return e;
}

static int do_pledge(const char *step, char *arg) {
  char *colon = strchr(arg, ':');
  const char *exec = NULL;
  if (colon) {
    *colon = '\0';
    exec = word(colon + 1);
  }
  return result(step, xpledge(word(arg), exec) == 0);
}

static int do_unveil(const char *step, char *arg) {
  char *colon = strrchr(arg, ':');
  if (!colon) return say("%s: expected unveil:PATH:PERMS", step), 126;
  *colon = '\0';
  return result(step, xunveil(word(arg), word(colon + 1)) == 0);
}

static void *sleeper(void *unused) {
  (void)unused;
  for (;;) pause();
  return NULL;
}

static int do_open(const char *step, char *arg) {
  char *colon = strchr(arg, ':');
  if (!colon) return say("%s: expected open:MODE:PATH", step), 126;
  *colon = '\0';
  const char *mode = arg, *path = colon + 1;
  int flags;
  if (strcmp(mode, "r") == 0) flags = O_RDONLY;
  else if (strcmp(mode, "w") == 0) flags = O_WRONLY;
  else if (strcmp(mode, "rw") == 0) flags = O_RDWR;
  else if (strcmp(mode, "c") == 0) flags = O_WRONLY | O_CREAT | O_TRUNC;
  else return say("%s: unknown mode %s", step, mode), 126;
  int fd = open(path, flags, 0644);
  int e = result(step, fd >= 0);
  if (fd >= 0) close(fd);
  return e;
}

static int do_socket(const char *step, const char *family) {
  int af = strcmp(family, "unix") == 0 ? AF_UNIX : AF_INET;
  int fd = socket(af, SOCK_STREAM, 0);
  int e = result(step, fd >= 0);
  if (fd >= 0) close(fd);
  return e;
}

static int do_mmap(const char *step, const char *how) {
  int prot = strcmp(how, "rx") == 0 ? PROT_READ | PROT_EXEC : PROT_READ | PROT_WRITE;
  void *p = mmap(NULL, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  int e = result(step, p != MAP_FAILED);
  if (p != MAP_FAILED) munmap(p, 4096);
  return e;
}

int main(int argc, char **argv) {
  int last = 0;
  /* Made before any step, so mprotect:rx after a pledge makes exactly one call. */
  void *rw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (rw == MAP_FAILED) return say("mmap before the steps failed"), 126;
  for (int i = 1; i < argc; ++i) {
    char step[512];
    snprintf(step, sizeof step, "%s", argv[i]);
    char *arg = strchr(argv[i], ':');
    if (arg) *arg++ = '\0';
    const char *op = argv[i];
    if (strcmp(op, "pledge") == 0) {
      last = do_pledge(step, arg ? arg : (char *)"");
    } else if (strcmp(op, "unveil") == 0 && arg) {
      last = do_unveil(step, arg);
    } else if (strcmp(op, "thread") == 0) {
      pthread_t t;
      last = pthread_create(&t, NULL, sleeper, NULL);
      say("%s = %s", step, errname(last));
    } else if (strcmp(op, "mkdir") == 0 && arg) {
      last = result(step, mkdir(arg, 0755) == 0);
    } else if (strcmp(op, "quiet") == 0) {
      victim_quiet = 1;
    } else if (strcmp(op, "supported") == 0) {
      say("supported = %d", xpledge_supported());
      last = 0;
    } else if (strcmp(op, "open") == 0 && arg) {
      last = do_open(step, arg);
    } else if (strcmp(op, "socket") == 0 && arg) {
      last = do_socket(step, arg);
    } else if (strcmp(op, "mmap") == 0 && arg) {
      last = do_mmap(step, arg);
    } else if (strcmp(op, "mprotect") == 0 && arg && strcmp(arg, "rx") == 0) {
      last = result(step, mprotect(rw, 4096, PROT_READ | PROT_EXEC) == 0);
    } else if ((strcmp(op, "rename") == 0 || strcmp(op, "link") == 0) && arg &&
               strchr(arg, ':')) {
      char *to = strchr(arg, ':');
      *to++ = '\0';
      last = result(step, (op[0] == 'r' ? rename(arg, to) : link(arg, to)) == 0);
    } else if (strcmp(op, "write") == 0) {
      last = write(STDOUT_FILENO, "w\n", 2) == 2 ? 0 : errno;
    } else if (strcmp(op, "exit") == 0 && arg) {
      _exit(atoi(arg));
    } else if (strcmp(op, "fork") == 0) {
      pid_t pid = fork();
      if (pid < 0) return result(step, 0);
      if (pid == 0) continue;  /* the child runs the remaining steps */
      int status;
      if (waitpid(pid, &status, 0) < 0) return result("waitpid", 0);
      if (WIFSIGNALED(status)) {
        say("fork = signal %d", WTERMSIG(status));
        return 128 + WTERMSIG(status);
      }
      say("fork = exited %d", WEXITSTATUS(status));
      return WEXITSTATUS(status);
    } else if (strcmp(op, "exec") == 0) {
      if (i + 1 >= argc) return say("exec: expected PROG"), 126;
      execv(argv[i + 1], argv + i + 1);
      return result(step, 0);
    } else {
      say("unknown step %s", step);
      return 126;
    }
  }
  return last;
}
