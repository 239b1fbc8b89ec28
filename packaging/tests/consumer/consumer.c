/* consumer: a program that uses libxpledge as a user of the package would, built by the
 * packaging tests against the unpacked .deb (pkg-config, and CMake's find_package), through the
 * porters' header (OpenBSD names). Run outside a supervisor it must be confined by the library
 * itself: it cannot open what it did not unveil, nor create a socket after pledge("stdio");
 * with XPLEDGE_REQUIRE_SUPERVISOR=1 nothing is installed and both calls say ENOSYS. */
#include <xpledge_openbsd.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

_Static_assert(XPLEDGE_SYS_xpledge == 10000, "xpledge.h names the syscall number");
_Static_assert(XPLEDGE_SYS_xunveil == 10001, "xpledge.h names the unveil number");

static const char *result(int rc) {
  if (rc >= 0) return "ok";
  switch (errno) {
    case ENOSYS: return "ENOSYS";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    default: return "other";
  }
}

int main(void) {
  const int supported = xpledge_supported();
  const char *unveiled = result(unveil("/dev/null", "rw"));
  const char *locked = result(unveil(NULL, NULL));
  int fd = open("/dev/null", O_RDONLY);
  const char *open_unveiled = result(fd);
  if (fd >= 0) close(fd);
  fd = open("/etc/passwd", O_RDONLY);
  const char *open_hidden = result(fd);
  if (fd >= 0) close(fd);
  const char *pledged = result(pledge("stdio", NULL));
  int s = socket(AF_INET, SOCK_STREAM, 0);
  const char *sock = result(s);
  printf("xpledge_supported=%d unveil=%s lock=%s open_unveiled=%s open_hidden=%s pledge=%s "
         "socket=%s\n",
         supported, unveiled, locked, open_unveiled, open_hidden, pledged, sock);
  return 0;
}
