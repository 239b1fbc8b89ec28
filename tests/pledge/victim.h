/* Helpers shared by the pledge victims: report through writev(2) (one call per line, so lines
 * from threads and forked children never interleave mid-line) and name errnos. */
#ifndef XPLEDGE_PLEDGE_VICTIM_H
#define XPLEDGE_PLEDGE_VICTIM_H

#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/* Set when output itself would be a violation (after pledge("")). */
static int victim_quiet;

static inline void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void say(const char *fmt, ...) {
  if (victim_quiet) return;
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n > sizeof buf - 2) n = (int)sizeof buf - 2;
  buf[n++] = '\n';
  struct iovec iov = {buf, (size_t)n};
  (void)writev(STDOUT_FILENO, &iov, 1);
}

/* "EPERM", "ENOSYS"... ("0" for no error). */
static inline const char *errname(int e) {
  if (e == 0) return "0";
  const char *name = strerrorname_np(e);
  return name ? name : "E?";
}

#endif
