// open_by_handle: open_by_handle_at(2) opens a file from a handle, with no path for a path
// rule to check (the "shocker" container escape). name_to_handle_at of FILE (allowed: it opens
// nothing) gives a real handle; open_by_handle_at with it must fail with ERRNO even under
// `default: allow` (natively it needs CAP_DAC_READ_SEARCH, so the log line proves who refused).
//   open_by_handle ERRNO FILE
#include "attack.h"

#include <fcntl.h>

int main(int argc, char **argv) {
  int want = argc == 3 ? errno_from(argv[1]) : -1;
  if (want <= 0) {
    say(2, "usage: open_by_handle ERRNO FILE\n");
    return 2;
  }
  struct {
    struct file_handle h;
    unsigned char bytes[MAX_HANDLE_SZ];
  } fh;
  fh.h.handle_bytes = MAX_HANDLE_SZ;
  int mount_id;
  if (name_to_handle_at(AT_FDCWD, argv[2], &fh.h, &mount_id, 0) != 0) {
    // Some filesystems have no handles; a made-up one still has to be refused by xpledge.
    say(1, "name_to_handle_at: %s (using a made-up handle)\n", errname(errno));
    fh.h.handle_bytes = 8;
    fh.h.handle_type = 1;
    memset(fh.bytes, 0x41, 8);
  }
  int mount_fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  errno = 0;
  long r = syscall(SYS_open_by_handle_at, mount_fd, &fh.h, O_RDONLY);
  int err = errno;
  if (r >= 0) close((int)r);
  expect_denied("open_by_handle_at", r, err, want);
  return finish();
}
