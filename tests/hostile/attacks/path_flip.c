// path_flip DIR SECONDS: race the path check (issue 17, item 2). DIR/secret/** is denied to
// openat (EUCLEAN); DIR/pub is allowed. Other threads flip a name between an allowed file and
// the secret, as fast as they can, while this thread opens the name over and over:
//   last       DIR/pub/x is a regular file or a symlink to DIR/secret/f
//   middle     DIR/pub/d is a directory (holding f) or a symlink to DIR/secret
//   trunc      as `last`, opened O_WRONLY|O_TRUNC: DIR/secret/f must keep its content
//   middle-trunc  as `middle`, opened O_WRONLY|O_TRUNC
//   procfs     as `last`, opened through /proc/self/cwd (not rewritten: checked at exit)
//   move       a thread renaming DIR/secret to DIR/pub/d and back (refused) while the
//              name DIR/pub/d/f is opened
// Each variant runs in a child for SECONDS; the secret read (or truncated) is a BYPASS; the
// child killed by the supervisor (a race seen at exit) is a hold.
#include "attack.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

static char dir[1024];
static atomic_int stop;
static const char *mode;

static void path(char *out, const char *rel) { snprintf(out, 2048, "%s/%s", dir, rel); }

static void *flipper(void *arg) {
  (void)arg;
  char name[2048], tmp_link[4096], tmp_file[4096], target[2048], tmp_dir[4096];
  const int middle = strncmp(mode, "middle", 6) == 0 || strcmp(mode, "move") == 0;
  path(name, middle ? "pub/d" : "pub/x");
  snprintf(tmp_link, sizeof tmp_link, "%s.l%ld", name, (long)gettid());
  snprintf(tmp_file, sizeof tmp_file, "%s.f%ld", name, (long)gettid());
  snprintf(tmp_dir, sizeof tmp_dir, "%s.d%ld", name, (long)gettid());
  path(target, middle ? "secret" : "secret/f");
  if (strcmp(mode, "move") == 0) {
    char secret[2048];
    path(secret, "secret");
    while (!stop) {
      if (rename(secret, name) == 0) (void)!rename(name, secret);
    }
    return NULL;
  }
  while (!stop) {
    if (middle) {
      // One flipper (below): the directory moved aside, a symlink in its place, then back.
      // No call here goes through the name while it is a symlink.
      (void)!rename(name, tmp_dir);
      (void)!symlink(target, name);
      unlink(name);
      (void)!rename(tmp_dir, name);
    } else {
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
  }
  return NULL;
}

static int race(double seconds) {
  pthread_t th[2];
  const int flippers = strncmp(mode, "middle", 6) == 0 ? 1 : 2;
  for (int i = 0; i < flippers; i++) pthread_create(&th[i], NULL, flipper, NULL);
  char name[2048];
  const int middle = strncmp(mode, "middle", 6) == 0 || strcmp(mode, "move") == 0;
  path(name, middle ? "pub/d/f" : "pub/x");
  const char *open_name = name;
  if (strcmp(mode, "procfs") == 0) {
    char pub[2048];
    path(pub, "pub");
    if (chdir(pub) != 0) return 2;
    open_name = "/proc/self/cwd/x";
  }
  const int flags = strstr(mode, "trunc") ? O_WRONLY | O_TRUNC : O_RDONLY;
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  long opens = 0, tries = 0;
  int got = 0;
  for (;;) {
    clock_gettime(CLOCK_MONOTONIC, &t);
    if ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 > seconds) break;
    for (int k = 0; k < 64; k++) {
      ++tries;
      int fd = open(open_name, flags | O_CLOEXEC);
      if (fd < 0) continue;
      ++opens;
      if (flags == O_RDONLY) {
        char buf[16] = {0};
        if (read(fd, buf, sizeof buf - 1) > 0 && strncmp(buf, "SECRET", 6) == 0) got = 1;
      }
      close(fd);
    }
    if (got) break;
  }
  stop = 1;
  for (int i = 0; i < flippers; i++) pthread_join(th[i], NULL);
  char secret[2048];
  path(secret, "secret/f");
  int fd = open(secret, O_RDONLY);  // refused (EUCLEAN) if the tree is where it belongs
  (void)fd;
  say(1, "# %s: %ld opens of %ld tries\n", mode, opens, tries);
  return got ? 1 : 0;
}

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  snprintf(dir, sizeof dir, "%s", argv[1]);
  const double seconds = atof(argv[2]);
  static const char *modes[] = {"last", "middle", "trunc", "middle-trunc", "procfs", "move"};
  for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
    mode = modes[i];
    stop = 0;
    pid_t child = fork();
    if (child == 0) _exit(race(seconds));
    int st = 0;
    waitpid(child, &st, 0);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
      ok(mode, "the secret was never read");
    else if (WIFEXITED(st) && WEXITSTATUS(st) == 1)
      bypass(mode, "the secret was read through the flipping name");
    else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
      ok(mode, "killed: a race seen at exit");
    else
      setup_error(mode, "child status %d", st);
  }
  return finish();
}
