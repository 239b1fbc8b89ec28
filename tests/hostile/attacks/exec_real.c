// exec_real DIR: exec rules hold for the file the kernel runs, not for the string given to
// execve (issue 17, item 3). DIR/denied/prog is a copy of echo that a deny rule names (by glob
// and literally); each variant reaches it another way and tries to run it with "RAN <variant>",
// in a child. The child must not print: refused at the call (the rule's errno) or killed at the
// exec event (SIGKILL) before the image runs. DIR/ok/prog, a copy not named by any rule, must
// run (control).
#include "attack.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static char g_dir[2048];

// Runs `how` in a child; the child's stdout goes to a pipe that is read back here, so output
// of the image ("RAN ...") is seen by the verdict and not mixed into ours.
static void variant(const char *name, void (*how)(const char *name), int expect_run) {
  int p[2];
  if (pipe(p) != 0) return (void)setup_error(name, "pipe: %s", errname(errno));
  pid_t pid = fork();
  if (pid == 0) {
    dup2(p[1], 1);
    close(p[0]);
    close(p[1]);
    how(name);
    _exit(errno < 155 ? 100 + errno : 255);  // the exec failed: its errno
  }
  close(p[1]);
  char out[256] = {0};
  ssize_t n = 0, got;
  while (n < (ssize_t)sizeof out - 1 && (got = read(p[0], out + n, sizeof out - 1 - (size_t)n)) > 0)
    n += got;
  close(p[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  const int ran = strstr(out, "RAN") != NULL;
  if (expect_run) {
    if (ran) ok(name, "the allowed copy ran");
    else setup_error(name, "the allowed copy did not run: status %#x", st);
  } else if (ran) {
    bypass(name, "the denied file ran: %.60s", out);
  } else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) {
    ok(name, "killed at the exec event before it ran");
  } else if (WIFEXITED(st) && WEXITSTATUS(st) >= 100) {
    ok(name, "the exec failed: errno=%s", errname(WEXITSTATUS(st) - 100));
  } else {
    setup_error(name, "unexpected status %#x", st);
  }
}

static void run(const char *path, const char *name) {
  char *argv[] = {"prog", "RAN", (char *)name, NULL};
  execv(path, argv);
}

static void at(const char *name, const char *rel) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", g_dir, rel);
  run(path, name);
}

static void v_direct(const char *name) { at(name, "denied/prog"); }
static void v_symlink(const char *name) { at(name, "ok/link"); }
static void v_dotdot(const char *name) { at(name, "ok/dirlink/../denied/prog"); }
static void v_hardlink(const char *name) { at(name, "ok/hard"); }
static void v_script(const char *name) { at(name, "ok/script"); }
static void v_control(const char *name) { at(name, "ok/prog"); }
// A program (allowed) whose PT_INTERP names a copy of the loader under DIR/denied (built by
// the test script when a compiler is there).
static void v_interp(const char *name) { at(name, "ok/interp"); }

static void v_execveat(const char *name) {
  char *argv[] = {"prog", "RAN", (char *)name, NULL};
  char path[4096];
  snprintf(path, sizeof path, "%s/ok/link", g_dir);
  syscall(SYS_execveat, AT_FDCWD, path, argv, environ, 0);
}

static void copy_denied_to(int fd) {
  char src[4096];
  snprintf(src, sizeof src, "%s/denied/prog", g_dir);
  int in = open(src, O_RDONLY | O_CLOEXEC);
  if (in < 0 || fd < 0) _exit(99);
  char buf[65536];
  ssize_t n;
  while ((n = read(in, buf, sizeof buf)) > 0)
    if (write(fd, buf, (size_t)n) != n) _exit(99);
  close(in);
}

// A copy of the denied file in a memfd, run with execveat(fd, "", AT_EMPTY_PATH).
static void v_memfd(const char *name) {
  int fd = (int)syscall(SYS_memfd_create, "copy", 0);
  copy_denied_to(fd);
  char *argv[] = {"prog", "RAN", (char *)name, NULL};
  syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
}

// The same memfd run by its magic link, execve("/proc/self/fd/N").
static void v_memfd_proc(const char *name) {
  int fd = (int)syscall(SYS_memfd_create, "copy", 0);
  copy_denied_to(fd);
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  run(path, name);
}

// An O_TMPFILE copy (a file with no name) in the allowed directory, reopened read-only through
// its magic link (an fd open for writing may not be executed on older kernels), run with
// execveat(AT_EMPTY_PATH). Exit 98: this file system has no O_TMPFILE (the variant is skipped).
static void v_tmpfile(const char *name) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/ok", g_dir);
  int fd = open(dir, O_TMPFILE | O_RDWR, 0700);
  if (fd < 0) _exit(98);
  copy_denied_to(fd);
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  int ro = open(path, O_RDONLY);
  if (ro < 0) _exit(99);
  close(fd);
  char *argv[] = {"prog", "RAN", (char *)name, NULL};
  syscall(SYS_execveat, ro, "", argv, environ, AT_EMPTY_PATH);
}

// `#!` scripts: a deny rule names DIR/denied/script (literally and by glob); it is run through
// a symlink and a hard link to it, and as the interpreter of another script (a chain).
static void v_script_symlink(const char *name) { at(name, "ok/script-link"); }
static void v_script_hardlink(const char *name) { at(name, "ok/script-hard"); }
static void v_script_chain(const char *name) { at(name, "ok/chain"); }
static void v_script_control(const char *name) { at(name, "ok/script-ok"); }
// The script through its symlink with execveat, by name and by an fd of it (AT_EMPTY_PATH:
// the kernel hands the interpreter /dev/fd/N).
static void v_script_execveat(const char *name) {
  char *argv[] = {"prog", "RAN", (char *)name, NULL};
  char path[4096];
  snprintf(path, sizeof path, "%s/ok/script-link", g_dir);
  syscall(SYS_execveat, AT_FDCWD, path, argv, environ, 0);
}
static void v_script_fd(const char *name) {
  char *argv[] = {"prog", "RAN", (char *)name, NULL};
  char path[4096];
  snprintf(path, sizeof path, "%s/ok/script-link", g_dir);
  int fd = open(path, O_RDONLY);
  if (fd < 0) _exit(99);
  syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
}
// A script whose `#!` names the denied script by a relative path (the kernel opens it from the
// cwd: DIR).
static void v_script_relative(const char *name) {
  if (chdir(g_dir) != 0) _exit(99);
  run("ok/relchain", name);
}
// `..` after a symlink: DIR/ok/up -> DIR/sub, so DIR/ok/up/../denied/script is DIR/denied/script
// to the kernel and DIR/ok/denied/script (no such file) to a lexical reader.
static void v_script_dotdot(const char *name) { at(name, "ok/up/../denied/script"); }
// A hard link to DIR/denied/sub/tool, which only the glob DIR/denied/** names.
static void v_hardlink_glob(const char *name) { at(name, "ok/glob-hard"); }

int main(int argc, char **argv) {
  if (argc != 2) {
    say(2, "usage: exec_real DIR\n");
    return 2;
  }
  snprintf(g_dir, sizeof g_dir, "%s", argv[1]);
  variant("control", v_control, 1);
  variant("direct", v_direct, 0);
  variant("symlink", v_symlink, 0);
  variant("dotdot", v_dotdot, 0);
  variant("hardlink", v_hardlink, 0);
  variant("script", v_script, 0);
  variant("execveat", v_execveat, 0);
  variant("memfd", v_memfd, 0);
  variant("memfd-proc-fd", v_memfd_proc, 0);
  variant("hardlink-glob", v_hardlink_glob, 0);
  variant("script-control", v_script_control, 1);
  variant("script-symlink", v_script_symlink, 0);
  variant("script-hardlink", v_script_hardlink, 0);
  variant("script-chain", v_script_chain, 0);
  variant("script-execveat", v_script_execveat, 0);
  variant("script-relative", v_script_relative, 0);
  variant("script-dotdot", v_script_dotdot, 0);
  variant("script-fd", v_script_fd, 0);
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s/ok", g_dir);
  int probe = open(tmp, O_TMPFILE | O_RDWR, 0700);
  if (probe >= 0) {
    close(probe);
    variant("tmpfile", v_tmpfile, 0);
  } else {
    skipped("tmpfile", "O_TMPFILE in %s: %s", tmp, errname(errno));
  }
  char interp[4096];
  snprintf(interp, sizeof interp, "%s/ok/interp", g_dir);
  if (access(interp, X_OK) == 0) variant("pt-interp", v_interp, 0);
  else skipped("pt-interp", "no %s (no compiler when the test was set up)", interp);
  return finish();
}
