// path_names: reach a file a deny rule names through another name of it (issue 17, item 1).
// DIR/secret/** and DIR/lit are denied to openat (EUCLEAN); everything else is allowed. Each
// variant tries to read "SECRET" from DIR/secret/f (or DIR/lit) by a name the rule's text does
// not match: a symlink, `..` after a symlink, /proc/self/fd/N, /proc/self/cwd, /proc/PID/cwd,
// /proc/thread-self, /dev/fd/N, a hard link made before the run, a dangling symlink created
// through (O_CREAT), a hard link and a rename made by the program itself (out of the tree, and
// the whole tree into an allowed place).
#include "attack.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char dir[1024];

// Opens `path` (relative to dirfd) and reads it: BYPASS if the secret comes back.
static void try_read(const char *name, int dirfd, const char *path, int flags) {
  int fd = openat(dirfd, path, flags | O_CLOEXEC, 0600);
  if (fd < 0) {
    ok(name, "%s: errno=%s", path, strerrorname_np(errno) ? strerrorname_np(errno) : "?");
    return;
  }
  char buf[16] = {0};
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n > 0 && strncmp(buf, "SECRET", 6) == 0)
    bypass(name, "%s: read the secret", path);
  else if (flags & O_CREAT)
    bypass(name, "%s: created a file in the denied tree", path);
  else
    ok(name, "%s: opened something else (%zd bytes)", path, n);
}

static void p(char *out, size_t n, const char *fmt, const char *a) { snprintf(out, n, fmt, dir, a); }

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  snprintf(dir, sizeof dir, "%s", argv[1]);
  char a[2048], b[2048];

  p(a, sizeof a, "%s/pub/f%s", "");
  int fd = open(a, O_RDONLY);
  if (fd < 0) setup_error("control", "cannot open %s: %s", a, strerror(errno));
  else close(fd);

  p(a, sizeof a, "%s/pub/link%s", "");
  p(b, sizeof b, "%s/secret/f%s", "");
  if (symlink(b, a) != 0) setup_error("symlink", "symlink: %s", strerror(errno));
  try_read("symlink", AT_FDCWD, a, O_RDONLY);

  int pub = open((p(a, sizeof a, "%s/pub%s", ""), a), O_PATH | O_DIRECTORY);
  try_read("symlink-dirfd", pub, "link", O_RDONLY);

  p(a, sizeof a, "%s/pub/dl%s", "");
  p(b, sizeof b, "%s/secret/sub%s", "");
  if (symlink(b, a) != 0) setup_error("dotdot", "symlink: %s", strerror(errno));
  p(a, sizeof a, "%s/pub/dl/../f%s", "");
  try_read("dotdot", AT_FDCWD, a, O_RDONLY);

  int top = open(dir, O_PATH | O_DIRECTORY);
  snprintf(a, sizeof a, "/proc/self/fd/%d/secret/f", top);
  try_read("proc-self-fd", AT_FDCWD, a, O_RDONLY);
  snprintf(a, sizeof a, "/dev/fd/%d/secret/f", top);
  try_read("dev-fd", AT_FDCWD, a, O_RDONLY);
  snprintf(a, sizeof a, "/proc/%d/fd/%d/secret/f", getpid(), top);
  try_read("proc-pid-fd", AT_FDCWD, a, O_RDONLY);

  char cwd[1024];
  if (!getcwd(cwd, sizeof cwd)) snprintf(cwd, sizeof cwd, "/");
  if (chdir(dir) != 0) setup_error("proc-cwd", "chdir: %s", strerror(errno));
  try_read("proc-self-cwd", AT_FDCWD, "/proc/self/cwd/secret/f", O_RDONLY);
  try_read("thread-self-cwd", AT_FDCWD, "/proc/thread-self/cwd/secret/f", O_RDONLY);
  try_read("proc-mounts-self", AT_FDCWD, "/proc/self/root/proc/self/cwd/secret/f", O_RDONLY);
  if (chdir(cwd) != 0) setup_error("proc-cwd", "chdir back: %s", strerror(errno));

  int pipefd[2];
  if (pipe(pipefd) != 0) return 2;
  pid_t child = fork();
  if (child == 0) {
    if (chdir(dir) != 0) _exit(1);
    (void)!write(pipefd[1], "x", 1);
    pause();
    _exit(0);
  }
  char c;
  (void)!read(pipefd[0], &c, 1);
  snprintf(a, sizeof a, "/proc/%d/cwd/secret/f", child);
  try_read("proc-pid-cwd", AT_FDCWD, a, O_RDONLY);
  kill(child, SIGKILL);
  waitpid(child, NULL, 0);

  p(a, sizeof a, "%s/pub/hard%s", "");
  try_read("hardlink-before", AT_FDCWD, a, O_RDONLY);

  p(a, sizeof a, "%s/pub/dangling%s", "");
  p(b, sizeof b, "%s/secret/created%s", "");
  if (symlink(b, a) != 0) setup_error("create-through", "symlink: %s", strerror(errno));
  try_read("create-through", AT_FDCWD, a, O_WRONLY | O_CREAT);
  struct stat st;
  if (stat(b, &st) == 0) bypass("create-through-exists", "%s exists", b);

  // The program's own hard link and renames: refused, or the moved name is still denied.
  p(a, sizeof a, "%s/secret/f%s", "");
  p(b, sizeof b, "%s/pub/h2%s", "");
  if (link(a, b) == 0) try_read("link-out", AT_FDCWD, b, O_RDONLY);
  else ok("link-out", "link: errno=%s", strerrorname_np(errno));

  p(a, sizeof a, "%s/secret/sub%s", "");
  p(b, sizeof b, "%s/pub/sub-out%s", "");
  if (rename(a, b) == 0) {
    p(a, sizeof a, "%s/pub/sub-out/g%s", "");
    try_read("rename-sub-out", AT_FDCWD, a, O_RDONLY);
  } else {
    ok("rename-sub-out", "rename: errno=%s", strerrorname_np(errno));
  }

  p(a, sizeof a, "%s/secret%s", "");
  p(b, sizeof b, "%s/pub/moved%s", "");
  if (rename(a, b) == 0) {
    p(a, sizeof a, "%s/pub/moved/f%s", "");
    try_read("rename-tree", AT_FDCWD, a, O_RDONLY);
  } else {
    ok("rename-tree", "rename: errno=%s", strerrorname_np(errno));
  }
  return finish();
}
