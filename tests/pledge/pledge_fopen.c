/* pledge_fopen: the "Done when" check. xpledge("stdio", NULL), then fopen(PATH, "r")
 * (PATH defaults to /etc/passwd). Prints both results.
 *
 * Exit status: 0  supervised: xpledge returned 0 and fopen failed with EPERM
 *              2  not supervised: xpledge returned -1/ENOSYS (and fopen, unrestricted, worked)
 *              1  anything else (printed) */
#include "victim.h"

#include <errno.h>
#include <xpledge.h>

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "/etc/passwd";
  int r = xpledge("stdio", NULL);
  int pledge_errno = r == 0 ? 0 : errno;
  say("xpledge(\"stdio\", NULL) = %d %s", r, errname(pledge_errno));
  errno = 0;
  FILE *f = fopen(path, "r");
  int fopen_errno = f ? 0 : errno;
  say("fopen(\"%s\", \"r\") = %s %s", path, f ? "FILE" : "NULL", errname(fopen_errno));
  if (f) fclose(f);
  if (r == 0 && !f && fopen_errno == EPERM) return 0;
  if (r == -1 && pledge_errno == ENOSYS && f) return 2;
  return 1;
}
