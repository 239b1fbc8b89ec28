// open_classes: open one file N times read-only, with each flag set that keeps an open a read
// (plain, O_CLOEXEC|O_NOFOLLOW|O_NONBLOCK, O_PATH, and open(2) beside openat(2)), then once
// with each flag set that does not (write, read-write, O_TRUNC, O_CREAT with read access,
// O_TMPFILE), raw through syscall(2), and print what each saw (writev(2), one call a line).
//
//   open_classes FILE DIR N
//     FILE: an existing readable file; DIR: a directory for O_TMPFILE.
//
// Prints "reads ok=K failed=F" (the N x 4 read-only opens), then one line per other open:
// "NAME ret=R errno=ENAME|0". Exit status 0 if every read-only open succeeded, else 1.
#include "../pledge/victim.h"  // say() (one writev per line), errname()

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>

static long try_openat(const char *path, long flags) {
  errno = 0;
  long fd = syscall(SYS_openat, AT_FDCWD, path, flags, 0600);
  if (fd >= 0) syscall(SYS_close, fd);
  return fd;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    say("usage: open_classes FILE DIR N");
    return 2;
  }
  const char *file = argv[1], *dir = argv[2];
  const long n = strtol(argv[3], NULL, 10);
  long ok = 0, failed = 0;
  for (long i = 0; i < n; ++i) {
    const long fds[] = {
        try_openat(file, O_RDONLY),
        try_openat(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK),
        try_openat(file, O_PATH),
        syscall(SYS_open, file, O_RDONLY | O_CLOEXEC, 0),
    };
    if (fds[3] >= 0) syscall(SYS_close, fds[3]);
    for (size_t k = 0; k < sizeof fds / sizeof fds[0]; ++k) fds[k] >= 0 ? ++ok : ++failed;
  }
  say("reads ok=%ld failed=%ld", ok, failed);
  const struct {
    const char *name, *path;
    long flags;
  } others[] = {
      {"wronly", file, O_WRONLY},
      {"rdwr", file, O_RDWR},
      {"trunc", file, O_RDONLY | O_TRUNC},
      {"creat", file, O_RDONLY | O_CREAT},
      {"tmpfile", dir, O_TMPFILE | O_RDWR},
  };
  for (size_t k = 0; k < sizeof others / sizeof others[0]; ++k) {
    const long r = try_openat(others[k].path, others[k].flags);
    say("%s ret=%ld errno=%s", others[k].name, r < 0 ? -1L : 0L, errname(r < 0 ? errno : 0));
  }
  return failed ? 1 : 0;
}
