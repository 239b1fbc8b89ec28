/* libxpledge: pledge(2) and unveil(2) for Linux programs.
 *
 * Under `xpledge run` the supervisor intercepts syscall 10000 (xpledge) and answers with its
 * full semantics. Without a supervisor the kernel answers -ENOSYS and the library enforces what
 * the kernel can by itself (standalone.h): a seccomp filter for the promises, a Landlock domain
 * for unveiled paths; unless the program asked for a supervisor (XPLEDGE_REQUIRE_SUPERVISOR),
 * then ENOSYS is passed through and nothing is installed. */
#define _GNU_SOURCE
#include "xpledge.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "standalone.h"

static unsigned g_mode_set = 0; /* xpledge_set_mode() */

int xpledge_set_mode(unsigned flags) {
  if (flags & ~(unsigned)(XPLEDGE_REQUIRE_SUPERVISOR | XPLEDGE_KILL_ON_VIOLATION)) {
    errno = EINVAL;
    return -1;
  }
  g_mode_set = flags;
  return 0;
}

unsigned xp_mode(void) {
  unsigned mode = g_mode_set;
  const char *req = getenv("XPLEDGE_REQUIRE_SUPERVISOR");
  const char *vio = getenv("XPLEDGE_VIOLATION");
  if (req && strcmp(req, "1") == 0) mode |= XPLEDGE_REQUIRE_SUPERVISOR;
  if (vio && strcmp(vio, "kill") == 0) mode |= XPLEDGE_KILL_ON_VIOLATION;
  return mode;
}

/* Does the new promise string keep `unveil`? (A string that does not parse fails later, with
 * EINVAL, before anything changed.) */
static int keeps_unveil(const char *promises, int *valid) {
  uint64_t set = 0;
  *valid = xp_parse_promises(promises, &set) == 0;
  return (set & xp_promise_bit("unveil")) != 0;
}

int xpledge(const char *promises, const char *execpromises) {
  int saved = errno; /* a success leaves errno as it was, whoever answered */
  /* OpenBSD: dropping `unveil` locks the unveiled paths. Paths unveiled through Landlock must
   * be applied before the pledge, which (supervised or not) then refuses the Landlock calls. */
  if (promises && xp_unveil_pending()) {
    int valid = 0;
    if (!keeps_unveil(promises, &valid)) {
      if (!valid) {
        errno = EINVAL;
        return -1;
      }
      if (xp_unveil_lock() != 0) return -1;
    }
  }
  long rc = syscall(XPLEDGE_SYS_xpledge, promises, execpromises);
  if (rc != 0) {
    if (errno != ENOSYS) return -1; /* the supervisor's answer */
    if (xp_mode() & XPLEDGE_REQUIRE_SUPERVISOR) return -1;
    if (xp_standalone_pledge(promises, execpromises) != 0) return -1;
  }
  /* Later xunveil() calls get EPERM, as on OpenBSD (the domain, if any, is applied above). */
  int valid = 0;
  if (promises && !keeps_unveil(promises, &valid)) (void)xp_unveil_lock();
  errno = saved;
  return 0;
}

int xunveil(const char *path, const char *permissions) {
  int saved = errno;
  long rc = syscall(XPLEDGE_SYS_xunveil, path, permissions);
  if (rc == 0) return 0;
  if (errno != ENOSYS) return -1;
  /* No supervisor (or one that does not service unveil): Landlock, unless the program wants
   * the supervisor's semantics or nothing. */
  if (xp_mode() & XPLEDGE_REQUIRE_SUPERVISOR) return -1;
  if (xp_standalone_unveil(path, permissions) != 0) return -1;
  errno = saved;
  return 0;
}

int xpledge_supported(void) {
  int saved = errno;
  /* NULL, NULL means "change nothing": a supervisor answers 0, a bare kernel ENOSYS. */
  long rc = syscall(XPLEDGE_SYS_xpledge, (const char *)NULL, (const char *)NULL);
  errno = saved;
  return rc == 0 ? 1 : 0;
}
