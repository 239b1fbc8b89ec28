// open_family DIR: open DIR/secret by each of the four calls that open a file by name: openat,
// open, creat (O_CREAT|O_WRONLY|O_TRUNC) and openat2. The test policy names ONE of them in a
// deny path rule; a rule on one must hold for all four (they are one family), or the program
// steps around `deny openat` with open, or truncates the file with creat.
#include "attack.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>

static void one(const char *name, long fd) {
  if (fd >= 0) {
    bypass(name, "opened (fd %ld)", fd);
    close((int)fd);
  } else if (errno == EUCLEAN) {
    ok(name, "errno=EUCLEAN");
  } else {
    setup_error(name, "errno=%s (not the policy's EUCLEAN)", errname(errno));
  }
}

int main(int argc, char **argv) {
  if (argc != 2) return setup_error("open-family", "usage: open_family DIR"), finish();
  char path[4096];
  snprintf(path, sizeof path, "%s/secret", argv[1]);
  one("family-openat", syscall(SYS_openat, AT_FDCWD, path, O_RDONLY, 0));
  one("family-open", syscall(SYS_open, path, O_RDONLY, 0));
  one("family-creat", syscall(SYS_creat, path, 0600));
  struct open_how how = {.flags = O_RDONLY};
  one("family-openat2", syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how));
  return finish();
}
