/* xpledge_openbsd.h - OpenBSD's names for libxpledge, for porters: pledge() and unveil().
 * Opt-in (a separate header) so that nothing named pledge appears in programs that did not
 * ask for it. Link with -lxpledge. */
#ifndef XPLEDGE_OPENBSD_H
#define XPLEDGE_OPENBSD_H

#include <xpledge.h>

static inline int pledge(const char *promises, const char *execpromises) {
  return xpledge(promises, execpromises);
}

static inline int unveil(const char *path, const char *permissions) {
  return xunveil(path, permissions);
}

#endif /* XPLEDGE_OPENBSD_H */
