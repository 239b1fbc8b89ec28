// new_syscalls VARIANT ERRNO [PATH CONTROL]: calls newer than libseccomp 2.5.4 (issue 23), made by raw
// number so that neither libc nor its headers need to know them. Each must fail with ERRNO (an
// errno no kernel path gives these arguments, so a pass proves the supervisor's denial):
//   open_tree_attr  open_tree_attr(AT_FDCWD, "/tmp", OPEN_TREE_CLONE|O_CLOEXEC, NULL, 0): as
//                   root it returns a detached mount fd, which is a new mount a sandboxed program
//                   can attach with move_mount
//   mseal           mseal() of a page it mapped
//   listmount       listmount() of the root mount's children
//   setxattrat      setxattrat(AT_FDCWD, PATH, 0, "user.xpledge", {value, 1}) and its twins
//                   setxattr and lsetxattr on PATH; then, as a control, setxattrat on CONTROL
//                   (outside the rule) must not get ERRNO
#include "attack.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>

enum {
  kSysListmount = 458,
  kSysMseal = 462,
  kSysSetxattrat = 463,
  kSysOpenTreeAttr = 467,
  kOpenTreeClone = 1,  // OPEN_TREE_CLONE
};

struct mnt_id_req_v0 {
  uint32_t size, spare;
  uint64_t mnt_id, param;
};

struct xattr_args_v0 {
  uint64_t value;
  uint32_t size, flags;
};

static long try_setxattrat(const char *path) {
  static const char value[] = "1";
  struct xattr_args_v0 args = {(uint64_t)(uintptr_t)value, 1, 0};
  return syscall(kSysSetxattrat, AT_FDCWD, path, 0, "user.xpledge", &args, sizeof args);
}

int main(int argc, char **argv) {
  int want = argc >= 3 ? errno_from(argv[2]) : -1;
  if (want <= 0) {
    say(2, "usage: new_syscalls open_tree_attr|mseal|listmount|setxattrat ERRNO [PATH CONTROL]\n");
    return 2;
  }
  const char *v = argv[1];
  long r;
  if (strcmp(v, "open_tree_attr") == 0) {
    errno = 0;
    r = syscall(kSysOpenTreeAttr, AT_FDCWD, "/tmp", kOpenTreeClone | O_CLOEXEC, NULL, 0);
    expect_denied("open_tree_attr", r, errno, want);
  } else if (strcmp(v, "mseal") == 0) {
    void *page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) {
      setup_error("mseal", "mmap: %s", errname(errno));
      return finish();
    }
    errno = 0;
    r = syscall(kSysMseal, page, 4096L, 0L);
    expect_denied("mseal", r, errno, want);
  } else if (strcmp(v, "listmount") == 0) {
    struct mnt_id_req_v0 req = {sizeof req, 0, 0xffffffffffffffffULL /* LSMT_ROOT */, 0};
    uint64_t ids[8];
    errno = 0;
    r = syscall(kSysListmount, &req, ids, 8L, 0L);
    expect_denied("listmount", r, errno, want);
  } else if (strcmp(v, "setxattrat") == 0 && argc == 5) {
    const char *path = argv[3];
    errno = 0;
    r = try_setxattrat(path);
    expect_denied("setxattrat", r, errno, want);
    errno = 0;
    r = syscall(SYS_setxattr, path, "user.xpledge", "1", 1L, 0L);
    expect_denied("setxattr", r, errno, want);
    errno = 0;
    r = syscall(SYS_lsetxattr, path, "user.xpledge", "1", 1L, 0L);
    expect_denied("lsetxattr", r, errno, want);
    const char *other = argv[4];
    errno = 0;
    r = try_setxattrat(other);
    if (r == -1 && errno == want)
      bypass("setxattrat-control", "%s outside the rule got %s too", other, errname(want));
    else
      ok("setxattrat-control", "outside the rule: returned %ld errno=%s", r, errname(errno));
  } else {
    say(2, "new_syscalls: unknown variant '%s'\n", v);
    return 2;
  }
  return finish();
}
