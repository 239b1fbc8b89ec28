/* unveil_regress: the cases of OpenBSD's regress/sys/kern/unveil/syscalls.c that mean something
 * on Linux, rewritten for xunveil(): each case runs in a child of its own (a fresh, empty
 * table), unveils, locks (the library without a supervisor applies its Landlock domain only
 * then), and holds each call's result against two expectations:
 *
 *   unveil_regress supervised|standalone DIR [CASE...]
 *
 * supervised: OpenBSD's answers (ENOENT outside every unveiled path, EACCES for a permission
 * the covering path lacks); standalone: what the library's Landlock domain answers, where it
 * differs (the porting table of docs/pledge.md). One line per case, "CASE = ok" or "CASE =
 * FAIL" after a line per wrong answer; the exit status is the number of failed cases. DIR must
 * be empty and not below an unveiled path of the caller. */
#include "victim.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <xpledge.h>

static int g_supervised;
static int g_wrong;
static char d1[1024], d2[1024], f1[1024], f2[1024], buf[PATH_MAX];

/* `ok` is the call's success, `err` errno right after it. */
static void expect(int line, const char *what, int ok, int err, int sup, int std) {
  const int want = g_supervised ? sup : std;
  const int got = ok ? 0 : err;
  if (got == want) return;
  say("  line %d: %s: got %s, want %s", line, what, errname(got), errname(want));
  ++g_wrong;
}
/* EXPECT(call succeeded, supervised errno, standalone errno); 0 = must succeed. */
#define EXPECT(ok_expr, sup, std)                       \
  do {                                                  \
    errno = 0;                                          \
    const int ok_ = (ok_expr);                          \
    const int err_ = errno;                             \
    expect(__LINE__, #ok_expr, ok_, err_, (sup), (std)); \
  } while (0)
/* A step the case needs: its failure is a wrong answer too. */
#define MUST(ok_expr) EXPECT(ok_expr, 0, 0)

/* DIR/NAME, in one of two buffers taken in turn: a call may name two. */
static const char *in(const char *dir, const char *name) {
  static char two[2][PATH_MAX];
  static int next;
  char *out = two[next++ & 1];
  snprintf(out, PATH_MAX, "%s/%s", dir, name);
  return out;
}
static int opens(const char *path, int flags) {
  const int fd = open(path, flags, 0644);
  if (fd >= 0) close(fd);
  return fd >= 0;
}
static int opens_at(int dirfd, const char *path, int flags) {
  const int fd = openat(dirfd, path, flags, 0644);
  if (fd >= 0) close(fd);
  return fd >= 0;
}
static int lists(const char *path) {
  DIR *d = opendir(path);
  if (d) closedir(d);
  return d != NULL;
}
static int stats(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}
static int lstats(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0;
}
/* d1 and f1 with every permission, as the regress suite's do_unveil(). */
static void unveil_both(void) {
  MUST(xunveil(d1, "rwxc") == 0);
  MUST(xunveil(f1, "rwxc") == 0);
}
static void lock(void) { MUST(xunveil(NULL, NULL) == 0); }

/* test_open: what is not unveiled is not there, also through a descriptor opened before. */
static void case_open(void) {
  const int root = open("/", O_RDONLY | O_DIRECTORY);
  const int dir2 = open(d2, O_RDONLY | O_DIRECTORY);
  unveil_both();
  lock();
  EXPECT(opens(f2, O_RDWR), ENOENT, EACCES);
  EXPECT(opens(d2, O_RDONLY | O_DIRECTORY), ENOENT, EACCES);
  EXPECT(opens(f1, O_RDWR), 0, 0);
  EXPECT(opens_at(root, "etc/passwd", O_RDONLY), ENOENT, EACCES);
  EXPECT(opens_at(dir2, "hooray", O_RDWR | O_CREAT), ENOENT, EACCES);
  EXPECT(opens(in(d1, "newfile"), O_RDWR | O_CREAT), 0, 0);
  snprintf(buf, sizeof buf, "/%s//doubleslash", d1);
  EXPECT(opens(buf, O_RDWR | O_CREAT), 0, 0);
  EXPECT(opens(in(d2, "newfile"), O_RDWR | O_CREAT), ENOENT, EACCES);
}

/* test_open's flag escalation: a path keeps or loses permissions, never gains (Landlock adds
 * rules: the union). */
static void case_escalation(void) {
  MUST(xunveil(f1, "x") == 0);
  EXPECT(xunveil(f1, "rx") == 0, EPERM, 0);
  EXPECT(xunveil(f1, "") == 0, 0, 0);
}

/* test_opendir: "." and ".." as the kernel resolves them. */
static void case_opendir(void) {
  unveil_both();
  lock();
  EXPECT(lists(d1), 0, 0);
  EXPECT(lists(d2), ENOENT, EACCES);
  EXPECT(lists(in(d1, ".")), 0, 0);
  EXPECT(lists(in(d1, "..")), ENOENT, EACCES);
  EXPECT(lists(in(d1, "subdir")), 0, 0);
  EXPECT(lists(in(d1, "subdir/../subdir")), 0, 0);
  EXPECT(lists(in(d2, "subdir")), ENOENT, EACCES);
  snprintf(buf, sizeof buf, "%s/../%s/subdir", d1, strrchr(d2, '/') + 1);
  EXPECT(lists(buf), ENOENT, EACCES);
}

/* test_r, test_rw, test_x: permissions of one file. Landlock does not hide metadata. */
static void case_perms(void) {
  MUST(xunveil(f1, "r") == 0);
  MUST(xunveil(d1, "x") == 0);
  MUST(xunveil(in(d2, "subdir"), "rw") == 0);
  lock();
  EXPECT(opens(f1, O_RDONLY), 0, 0);
  EXPECT(opens(f1, O_RDWR), EACCES, EACCES);
  EXPECT(opens(in(d2, "subdir/rw"), O_RDWR | O_CREAT), EACCES, EACCES);  /* no c */
  EXPECT(lstats(in(d1, "subdir")), EACCES, 0);                        /* x only */
  EXPECT(opens(in(d1, "subdir"), O_RDONLY | O_DIRECTORY), EACCES, EACCES);
  EXPECT(opens(f2, O_RDWR), ENOENT, EACCES);
}

/* test_unlink, test_link, test_rename: both names of a move must be unveiled, and c. */
static void case_names(void) {
  MUST(opens(in(d1, "a"), O_RDWR | O_CREAT));
  MUST(opens(in(d2, "b"), O_RDWR | O_CREAT));
  unveil_both();
  MUST(xunveil(f2, "rw") == 0);
  lock();
  EXPECT(rename(in(d1, "a"), in(d1, "a2")) == 0, 0, 0);
  EXPECT(link(in(d1, "a2"), in(d1, "a3")) == 0, 0, 0);
  EXPECT(unlink(in(d1, "a3")) == 0, 0, 0);
  EXPECT(rename(in(d2, "b"), in(d1, "b2")) == 0, ENOENT, EACCES);
  char a2[PATH_MAX];
  snprintf(a2, sizeof a2, "%s/a2", d1);
  EXPECT(rename(a2, in(d2, "a4")) == 0, ENOENT, EACCES);
  EXPECT(link(a2, in(d2, "a5")) == 0, ENOENT, EACCES);
  EXPECT(unlink(in(d2, "b")) == 0, ENOENT, EACCES);
  EXPECT(unlink(f2) == 0, EACCES, EACCES);  /* rw, no c */
}

/* test_chdir, test_access, test_stat, test_dotdotup: lookups by name and through the cwd. */
static void case_lookup(void) {
  MUST(xunveil(d1, "rwc") == 0);
  lock();
  EXPECT(chdir(d2) == 0, ENOENT, 0);
  EXPECT(access(f2, R_OK) == 0, ENOENT, 0);
  EXPECT(stats(f2), ENOENT, 0);
  EXPECT(stats("/"), ENOENT, 0);
  EXPECT(access(d1, R_OK) == 0, 0, 0);
  EXPECT(chdir(d1) == 0, 0, 0);
  EXPECT(opens("./derp", O_RDWR | O_CREAT), 0, 0);
  EXPECT(opens("derp", O_RDWR), 0, 0);
  EXPECT(opens("../uvfile2", O_RDWR), ENOENT, EACCES);
  EXPECT(opens(".././uvfile2", O_RDWR), ENOENT, EACCES);
  EXPECT(chdir("../..") == 0, ENOENT, 0);
}

/* test_symlink: a link is judged by its own name (lstat, readlink) and by what it reaches. */
static void case_symlink(void) {
  unveil_both();
  lock();
  char link1[PATH_MAX];
  snprintf(link1, sizeof link1, "%s/slink", d1);
  EXPECT(symlink(f2, link1) == 0, 0, 0);
  EXPECT(lstats(link1), 0, 0);
  char target[PATH_MAX];
  EXPECT(readlink(link1, target, sizeof target) > 0, 0, 0);
  EXPECT(opens(link1, O_RDONLY), ENOENT, EACCES);
  EXPECT(symlink(f1, in(d2, "slink2")) == 0, ENOENT, EACCES);
}

/* test_chmod: attributes need w (Landlock has no right for them). */
static void case_chmod(void) {
  unveil_both();
  MUST(xunveil(f1, "r") == 0);
  lock();
  EXPECT(chmod(d1, 0755) == 0, 0, 0);
  EXPECT(chmod(f2, 0644) == 0, ENOENT, 0);
  EXPECT(chmod(f1, 0644) == 0, EACCES, 0);
}

/* test_exec2: exec needs x (false exits 1: a wrongly allowed exec fails the case). The
 * canonical name: a name through a symlinked directory (/bin -> usr/bin) is a name of its own. */
static void case_exec(void) {
  char false_path[PATH_MAX];
  MUST(realpath("/bin/false", false_path) != NULL);
  MUST(xunveil(false_path, "rw") == 0);
  lock();
  char *argv[] = {"false", NULL};
  EXPECT(execv(false_path, argv) == 0, EACCES, EACCES);
}

/* test_fork: the child has its parent's table (and domain). */
static void case_fork(void) {
  unveil_both();
  lock();
  const pid_t pid = fork();
  if (pid == 0) {
    EXPECT(opens(f1, O_RDWR), 0, 0);
    EXPECT(lists(d1), 0, 0);
    EXPECT(lists(d2), ENOENT, EACCES);
    EXPECT(opens(f2, O_RDWR), ENOENT, EACCES);
    _exit(g_wrong);
  }
  int status = 0;
  MUST(waitpid(pid, &status, 0) == pid);
  EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0, 0, 0);
}

/* test_drounveil: unveil after a pledge that keeps `unveil`; one that drops it locks. */
static void case_pledge(void) {
  MUST(xpledge("stdio rpath wpath cpath proc exec unveil", NULL) == 0);
  unveil_both();
  MUST(xpledge("stdio rpath wpath cpath", NULL) == 0);
  EXPECT(xunveil(d2, "r") == 0, EPERM, EPERM);
  EXPECT(opens(f2, O_RDWR), ENOENT, EACCES);
  EXPECT(opens(f1, O_RDWR), 0, 0);
}

static const struct {
  const char *name;
  void (*run)(void);
} kCases[] = {
    {"open", case_open},       {"escalation", case_escalation}, {"opendir", case_opendir},
    {"perms", case_perms},     {"names", case_names},           {"lookup", case_lookup},
    {"symlink", case_symlink}, {"chmod", case_chmod},           {"exec", case_exec},
    {"fork", case_fork},       {"pledge", case_pledge},
};

static int wanted(const char *name, int argc, char **argv) {
  if (argc <= 3) return 1;
  for (int i = 3; i < argc; ++i)
    if (strcmp(argv[i], name) == 0) return 1;
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) return say("usage: unveil_regress supervised|standalone DIR [CASE...]"), 126;
  g_supervised = strcmp(argv[1], "supervised") == 0;
  snprintf(d1, sizeof d1, "%s/uvdir1", argv[2]);
  snprintf(d2, sizeof d2, "%s/uvdir2", argv[2]);
  snprintf(f1, sizeof f1, "%s/uvfile1", argv[2]);
  snprintf(f2, sizeof f2, "%s/uvfile2", argv[2]);
  if (mkdir(d1, 0755) || mkdir(d2, 0755) || mkdir(in(d1, "subdir"), 0755) ||
      mkdir(in(d2, "subdir"), 0755) || !opens(f1, O_RDWR | O_CREAT) ||
      !opens(f2, O_RDWR | O_CREAT))
    return say("cannot make the tree under %s", argv[2]), 126;
  int failed = 0;
  for (size_t i = 0; i < sizeof kCases / sizeof kCases[0]; ++i) {
    if (!wanted(kCases[i].name, argc, argv)) continue;
    const pid_t pid = fork();
    if (pid == 0) {
      kCases[i].run();
      _exit(g_wrong ? 1 : 0);
    }
    int status = 0;
    const int ok = waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
                   WEXITSTATUS(status) == 0;
    if (!ok && WIFSIGNALED(status)) say("  killed by signal %d", WTERMSIG(status));
    say("%s = %s", kCases[i].name, ok ? "ok" : "FAIL");
    failed += !ok;
  }
  return failed;
}
