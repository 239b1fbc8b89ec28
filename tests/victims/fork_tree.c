// fork_tree TOTAL DENY_PATH: grow a tree of TOTAL processes (the root included); every process
// forks up to 3 children while the shared counter says fewer than TOTAL exist. The process
// holding the last slot (TOTAL-1) is necessarily a leaf: it calls unlinkat(DENY_PATH) and prints
// "leaf pid=<pid> unlinkat ret=<r> errno=<NAME>". Every process waits for its children. The
// root prints "started=<n>"; exit 0 iff n == TOTAL and every process exited 0.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct shared {
  atomic_int claimed;  // slots handed out (slot 0 is the root)
  atomic_int started;  // processes that ran
};
static struct shared *sh;
static int total;
static const char *deny_path;

static const char *errname(int e) {
  if (e == 0) return "0";
  const char *name = strerrorname_np(e);
  return name ? name : "?";
}

static int node(int slot) {
  atomic_fetch_add(&sh->started, 1);
  pid_t kids[3];
  int nkids = 0;
  for (int k = 0; k < 3; k++) {
    int next = atomic_fetch_add(&sh->claimed, 1);
    if (next >= total) break;
    pid_t pid = fork();
    if (pid < 0) {
      dprintf(STDOUT_FILENO, "fork failed: %s\n", errname(errno));
      return 1;
    }
    if (pid == 0) _exit(node(next));
    kids[nkids++] = pid;
  }
  if (slot == total - 1) {
    long r = syscall(SYS_unlinkat, AT_FDCWD, deny_path, 0);
    int e = r == -1 ? errno : 0;
    dprintf(STDOUT_FILENO, "leaf pid=%d children=%d unlinkat ret=%ld errno=%s\n",
            (int)getpid(), nkids, r, errname(e));
  }
  int ok = 1;
  for (int i = 0; i < nkids; i++) {
    int status;
    while (waitpid(kids[i], &status, 0) < 0)
      if (errno != EINTR) return 1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ok = 0;
  }
  return ok ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: fork_tree TOTAL DENY_PATH\n");
    return 2;
  }
  total = atoi(argv[1]);
  deny_path = argv[2];
  sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (sh == MAP_FAILED) return 1;
  atomic_init(&sh->claimed, 1);
  atomic_init(&sh->started, 0);
  int rc = node(0);
  int started = atomic_load(&sh->started);
  dprintf(STDOUT_FILENO, "started=%d\n", started);
  return (rc == 0 && started == total) ? 0 : 1;
}
