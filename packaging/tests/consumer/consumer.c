/* consumer: a program that uses libxpledge as a user of the package would, built by the
 * packaging tests against the unpacked .deb (pkg-config, and CMake's find_package). Run outside
 * a supervisor it must see exactly what xpledge.h promises for that case. */
#include <xpledge.h>

#include <errno.h>
#include <stdio.h>

_Static_assert(XPLEDGE_SYS_xpledge == 10000, "xpledge.h names the syscall number");

int main(void) {
  const int supported = xpledge_supported();
  errno = 0;
  const int rc = xpledge("stdio rpath", NULL);
  const int err = errno;
  printf("xpledge_supported=%d xpledge=%d errno=%s\n", supported, rc,
         rc == 0 ? "0" : err == ENOSYS ? "ENOSYS" : "other");
  return 0;
}
