// unveil_unseen DIR MODE: after SYS_xunveil (10001, raw) shows only DIR/open ("rx"), routes to a
// file that name no path the supervisor checks must fail. DIR holds open/ (with prog, a copy of
// an executable), hidden (a file) and hidden_prog (an executable). Descriptors and a file handle
// are taken before the unveil, as a program would. MODE: `policy` (the policy allows every call
// by name) or `pledge` (the process pledges "stdio rpath exec unveil" first).
//   handle       open_by_handle_at(hidden's handle)        -> EACCES (unveil; pledge: refused)
//   name-handle  name_to_handle_at(hidden)                 -> ENOENT (a path call now)
//   uring-setup  io_uring_setup                            -> EACCES
//   ring-held    xunveil while a ring made before is open      -> EBUSY (policy mode)
//   uring-enter  io_uring_enter/register on the number of a ring closed before -> EACCES
//   getfd        pidfd_getfd(self, a descriptor of hidden) -> EACCES
//   fanotify     fanotify_mark(-1, ..., hidden)            -> EACCES
//   inotify      inotify_add_watch(hidden)                 -> ENOENT; on open/ it works
//   in-root      openat2(DIR fd, "/hidden", RESOLVE_IN_ROOT) -> ENOENT; "/open/prog" opens
//   fexec        execveat(hidden_prog's O_PATH fd, "", AT_EMPTY_PATH) -> ENOENT
//   fstat-fd     newfstatat(a descriptor from before, "", AT_EMPTY_PATH) works (OpenBSD keeps
//                descriptors)
// In `pledge` mode the calls no promise allows are refused by pledge first (any errno, not
// success; openat2 gets pledge's ENOSYS).
#include "attack.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_pidfd_getfd
#define __NR_pidfd_getfd 438
#endif
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#define __NR_io_uring_enter 426
#define __NR_io_uring_register 427
#endif

static char g_path[3][4096];  // hidden, hidden_prog, open/prog
static int g_pledged;

static void expect(const char *name, long r, int err, int want) {
  if (r >= 0) {
    bypass(name, "returned %ld", r);
  } else if (err == want || g_pledged) {  // pledged: refused by pledge first, its own errno
    ok(name, "errno=%s", errname(err));
  } else {
    bypass(name, "errno=%s, not %s", errname(err), errname(want));
  }
}

int main(int argc, char **argv) {
  if (argc != 3) { setup_error("usage", "unveil_unseen DIR policy|pledge"); return finish(); }
  const char *dir = argv[1];
  snprintf(g_path[0], sizeof g_path[0], "%s/hidden", dir);
  snprintf(g_path[1], sizeof g_path[1], "%s/hidden_prog", dir);
  snprintf(g_path[2], sizeof g_path[2], "%s/open", dir);
  struct {
    struct file_handle h;
    unsigned char bytes[128];
  } fh = {.h = {.handle_bytes = 128}};
  int mount_id = 0;
  const long handle_ok = name_to_handle_at(AT_FDCWD, g_path[0], &fh.h, &mount_id, 0);
  const int dir_fd = open(dir, O_RDONLY | O_DIRECTORY);
  const int hidden_fd = open(g_path[0], O_RDONLY);
  const int prog_fd = open(g_path[1], O_PATH);
  const long ring = syscall(__NR_io_uring_setup, 4, (char[120]){0});
  const int self = (int)syscall(__NR_pidfd_open, getpid(), 0);
  if (dir_fd < 0 || hidden_fd < 0 || prog_fd < 0) { setup_error("setup", "open: %s", errname(errno)); return finish(); }
  // A ring held makes narrowing fail (EBUSY; attacks/uring_sqpoll.c has the attack): once, then
  // the ring goes, and the io_uring calls below name its old number.
  if (ring < 0) {
    skipped("ring-held", "io_uring_setup before the unveil: %s", errname(errno));
  } else if (strcmp(argv[2], "policy") == 0) {
    const long held = syscall(10001, g_path[2], "rx");
    if (held == 0) bypass("ring-held", "xunveil succeeded with a ring open");
    else if (errno == EBUSY) ok("ring-held", "errno=EBUSY");
    else bypass("ring-held", "errno=%s, not EBUSY", errname(errno));
  }
  if (ring >= 0) close((int)ring);
  if (strcmp(argv[2], "pledge") == 0) {
    if (syscall(10000, "stdio rpath exec unveil", NULL) != 0)
      { setup_error("pledge", "xpledge: %s", errname(errno)); return finish(); }
    g_pledged = 1;
  }
  if (syscall(10001, g_path[2], "rx") != 0) { setup_error("unveil", "xunveil: %s", errname(errno)); return finish(); }

  if (handle_ok != 0) {
    skipped("handle", "name_to_handle_at before the unveil: %s", errname(errno));
  } else {
    const long r = syscall(SYS_open_by_handle_at, dir_fd, &fh.h, O_RDONLY);
    expect("handle", r, errno, EACCES);
  }
  fh.h.handle_bytes = 128;
  long r = name_to_handle_at(AT_FDCWD, g_path[0], &fh.h, &mount_id, 0);
  expect("name-handle", r, errno, ENOENT);
  r = syscall(__NR_io_uring_setup, 4, (char[120]){0});
  expect("uring-setup", r, errno, EACCES);
  // The name alone is judged (the ring's old number, or -1 where this kernel has none).
  r = syscall(__NR_io_uring_enter, ring >= 0 ? ring : -1, 0, 0, 0, NULL, 0);
  expect("uring-enter", r, errno, EACCES);
  r = syscall(__NR_io_uring_register, ring >= 0 ? ring : -1, 0, NULL, 0);
  expect("uring-register", r, errno, EACCES);
  r = syscall(__NR_pidfd_getfd, self, hidden_fd, 0);
  expect("getfd", r, errno, EACCES);
  r = syscall(SYS_fanotify_mark, -1, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, g_path[0]);
  expect("fanotify", r, errno, EACCES);
  const int in = inotify_init1(0);
  r = inotify_add_watch(in, g_path[0], IN_OPEN);
  expect("inotify", r, errno, ENOENT);
  if (inotify_add_watch(in, g_path[2], IN_OPEN) < 0) bypass("inotify-open", "on open/: %s", errname(errno));
  else ok("inotify-open", "an unveiled directory is watched");
  struct open_how how = {.flags = O_RDONLY, .resolve = RESOLVE_IN_ROOT};
  r = syscall(SYS_openat2, dir_fd, "/hidden", &how, sizeof how);
  expect("in-root", r, errno, ENOENT);
  r = syscall(SYS_openat2, dir_fd, "/open/prog", &how, sizeof how);
  if (r < 0 && g_pledged && errno == ENOSYS) ok("in-root-open", "pledged: openat2 is ENOSYS");
  else if (r < 0) bypass("in-root-open", "/open/prog under RESOLVE_IN_ROOT: %s", errname(errno));
  else ok("in-root-open", "the unveiled file opens");
  struct stat st;
  if (fstatat(hidden_fd, "", &st, AT_EMPTY_PATH) != 0) bypass("fstat-fd", "%s", errname(errno));
  else ok("fstat-fd", "a descriptor from before the unveil keeps working");
  char *const args[] = {"hidden_prog", NULL};
  r = syscall(SYS_execveat, prog_fd, "", args, args + 1, AT_EMPTY_PATH);
  expect("fexec", r, errno, ENOENT);
  return finish();
}
