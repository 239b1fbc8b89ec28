// path_nodump DIR: a program that makes itself not dumpable (prctl PR_SET_DUMPABLE 0) so that
// an unprivileged supervisor may not read its /proc/PID/root, cwd and fds, then reads
// DIR/secret/f (denied to openat, EUCLEAN) by another name (attack review of issue 17):
//   symlink   DIR/pub/link -> ../secret/f, absolute path
//   relative  pub/link from DIR (the cwd)
//   proc-fd   /proc/self/fd/N/secret/f, N a descriptor of DIR
// The path must be refused (EUCLEAN: deny rules hold on a path that cannot be resolved); before,
// it was judged as the string it is and the secret was read.
#include "attack.h"

#include <fcntl.h>
#include <sys/prctl.h>

static void try_read(const char *name, const char *path) {
  errno = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == EUCLEAN)
      ok(name, "%s: errno=EUCLEAN", path);
    else
      setup_error(name, "%s: errno=%s, not our EUCLEAN", path, errname(errno));
    return;
  }
  char buf[16] = {0};
  if (read(fd, buf, sizeof buf - 1) > 0 && strncmp(buf, "SECRET", 6) == 0)
    bypass(name, "%s: read the secret", path);
  else
    setup_error(name, "%s: opened, but not the secret", path);
  close(fd);
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  char link[1024], procfd[1024];
  snprintf(link, sizeof link, "%s/pub/link", argv[1]);
  int dir = open(argv[1], O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0 || chdir(argv[1]) != 0) return 2;
  snprintf(procfd, sizeof procfd, "/proc/self/fd/%d/secret/f", dir);
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return 2;
  try_read("symlink", link);
  try_read("relative", "pub/link");
  try_read("proc-fd", procfd);
  return finish();
}
