// path_family DIR FAMILY: do one operation on a path under DIR by every call that does it (the
// family's members), raw, so libc picks none for us. DIR holds `secret` (a file), `link` (a
// symlink to it) and `sub` (an empty directory). The test policy denies ONE member on DIR/**:
// a rule on one member must hold for all, or `deny openat` is stepped around with open(),
// `deny unlinkat` with unlink(), `deny fchmodat` with chmod()... Each member must fail with the
// policy's EUCLEAN; the test checks afterwards that DIR did not change.
#include "attack.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/stat.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static char g_dir[3000];

static const char *at(const char *name) {
  static char bufs[4][4096];
  static int i;
  i = (i + 1) % 4;
  snprintf(bufs[i], sizeof bufs[i], "%s/%s", g_dir, name);
  return bufs[i];
}

static void one(const char *name, long ret) {
  if (ret >= 0) bypass(name, "succeeded (%ld)", ret);
  else if (errno == EUCLEAN) ok(name, "errno=EUCLEAN");
  else setup_error(name, "errno=%s (not the policy's EUCLEAN)", errname(errno));
}

int main(int argc, char **argv) {
  if (argc != 3) return setup_error("path-family", "usage: path_family DIR FAMILY"), finish();
  snprintf(g_dir, sizeof g_dir, "%s", argv[1]);
  const char *f = argv[2];
  const char *s = at("secret");
  struct stat st;
  struct statx stx;
  char buf[256];
  if (!strcmp(f, "open")) {
    one("openat", syscall(SYS_openat, AT_FDCWD, s, O_RDONLY, 0));
    one("open", syscall(SYS_open, s, O_RDONLY, 0));
    one("creat", syscall(SYS_creat, s, 0600));
    struct open_how how = {.flags = O_RDONLY};
    one("openat2", syscall(SYS_openat2, AT_FDCWD, s, &how, sizeof how));
  } else if (!strcmp(f, "stat")) {
    one("stat", syscall(SYS_stat, s, &st));
    one("lstat", syscall(SYS_lstat, s, &st));
    one("newfstatat", syscall(SYS_newfstatat, AT_FDCWD, s, &st, 0));
    one("statx", syscall(SYS_statx, AT_FDCWD, s, 0, STATX_BASIC_STATS, &stx));
  } else if (!strcmp(f, "access")) {
    one("access", syscall(SYS_access, s, R_OK));
    one("faccessat", syscall(SYS_faccessat, AT_FDCWD, s, R_OK));
    one("faccessat2", syscall(SYS_faccessat2, AT_FDCWD, s, R_OK, 0));
  } else if (!strcmp(f, "chmod")) {
    one("chmod", syscall(SYS_chmod, s, 0666));
    one("fchmodat", syscall(SYS_fchmodat, AT_FDCWD, s, 0666));
    one("fchmodat2", syscall(452 /* fchmodat2 */, AT_FDCWD, s, 0666, 0));
  } else if (!strcmp(f, "chown")) {
    one("chown", syscall(SYS_chown, s, getuid(), getgid()));
    one("lchown", syscall(SYS_lchown, s, getuid(), getgid()));
    one("fchownat", syscall(SYS_fchownat, AT_FDCWD, s, getuid(), getgid(), 0));
  } else if (!strcmp(f, "unlink")) {
    one("unlink", syscall(SYS_unlink, s));
    one("unlinkat", syscall(SYS_unlinkat, AT_FDCWD, s, 0));
    one("rmdir", syscall(SYS_rmdir, at("sub")));
  } else if (!strcmp(f, "mkdir")) {
    one("mkdir", syscall(SYS_mkdir, at("new"), 0755));
    one("mkdirat", syscall(SYS_mkdirat, AT_FDCWD, at("new"), 0755));
  } else if (!strcmp(f, "mknod")) {
    one("mknod", syscall(SYS_mknod, at("fifo"), S_IFIFO | 0600, 0));
    one("mknodat", syscall(SYS_mknodat, AT_FDCWD, at("fifo"), S_IFIFO | 0600, 0));
  } else if (!strcmp(f, "rename")) {
    one("rename", syscall(SYS_rename, s, at("moved")));
    one("renameat", syscall(SYS_renameat, AT_FDCWD, s, AT_FDCWD, at("moved")));
    one("renameat2", syscall(SYS_renameat2, AT_FDCWD, s, AT_FDCWD, at("moved"), 0));
  } else if (!strcmp(f, "link")) {
    one("link", syscall(SYS_link, s, at("hard")));
    one("linkat", syscall(SYS_linkat, AT_FDCWD, s, AT_FDCWD, at("hard"), 0));
  } else if (!strcmp(f, "symlink")) {
    one("symlink", syscall(SYS_symlink, "secret", at("sym")));
    one("symlinkat", syscall(SYS_symlinkat, "secret", AT_FDCWD, at("sym")));
  } else if (!strcmp(f, "readlink")) {
    one("readlink", syscall(SYS_readlink, at("link"), buf, sizeof buf));
    one("readlinkat", syscall(SYS_readlinkat, AT_FDCWD, at("link"), buf, sizeof buf));
  } else if (!strcmp(f, "utime")) {
    one("utime", syscall(SYS_utime, s, NULL));
    one("utimes", syscall(SYS_utimes, s, NULL));
    one("futimesat", syscall(SYS_futimesat, AT_FDCWD, s, NULL));
    one("utimensat", syscall(SYS_utimensat, AT_FDCWD, s, NULL, 0));
  } else {
    return setup_error("path-family", "unknown family '%s'", f), finish();
  }
  return finish();
}
