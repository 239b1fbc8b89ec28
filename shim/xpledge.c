/* libxpledge: pledge(2) for programs running under the xpledge supervisor.
 *
 * The whole library is one system call with a number no Linux kernel uses. Under
 * `xpledge run` the supervisor intercepts it and answers; without a supervisor the kernel
 * answers -ENOSYS, which we pass through unchanged. */
#define _GNU_SOURCE
#include "xpledge.h"

#include <errno.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

int xpledge(const char *promises, const char *execpromises) {
  long rc = syscall(XPLEDGE_SYS_xpledge, promises, execpromises);
  return rc == 0 ? 0 : -1; /* syscall() has already set errno */
}

int xpledge_supported(void) {
  int saved = errno;
  /* NULL, NULL means "change nothing": a supervisor answers 0, a bare kernel ENOSYS. */
  long rc = syscall(XPLEDGE_SYS_xpledge, (const char *)NULL, (const char *)NULL);
  errno = saved;
  return rc == 0 ? 1 : 0;
}
