// deny_tree GC_PATH THREAD_PATH: a grandchild (fork -> fork) calls unlinkat(GC_PATH), then a
// second thread of the main process calls unlinkat(THREAD_PATH). Each prints its own id (tid)
// and what it saw. Exit 0 when every process and thread ran to the end.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *errname(int e) {
  if (e == 0) return "0";
  const char *name = strerrorname_np(e);
  return name ? name : "?";
}

static void report(const char *who, const char *path) {
  long tid = syscall(SYS_gettid);
  long r = syscall(SYS_unlinkat, AT_FDCWD, path, 0);
  int e = r == -1 ? errno : 0;
  dprintf(STDOUT_FILENO, "%s pid=%ld unlinkat ret=%ld errno=%s\n", who, tid, r, errname(e));
}

static int wait_ok(pid_t pid) {
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return 0;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static const char *thread_path;
static void *thread_main(void *arg) {
  (void)arg;
  report("thread", thread_path);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    dprintf(STDERR_FILENO, "usage: deny_tree GC_PATH THREAD_PATH\n");
    return 2;
  }
  dprintf(STDOUT_FILENO, "main pid=%d\n", (int)getpid());
  pid_t child = fork();
  if (child < 0) return 1;
  if (child == 0) {
    pid_t grandchild = fork();
    if (grandchild < 0) _exit(1);
    if (grandchild == 0) {
      report("grandchild", argv[1]);
      _exit(0);
    }
    _exit(wait_ok(grandchild) ? 0 : 1);
  }
  if (!wait_ok(child)) {
    dprintf(STDOUT_FILENO, "child or grandchild failed\n");
    return 1;
  }
  thread_path = argv[2];
  pthread_t t;
  if (pthread_create(&t, NULL, thread_main, NULL) != 0) return 1;
  pthread_join(t, NULL);
  dprintf(STDOUT_FILENO, "done\n");
  return 0;
}
