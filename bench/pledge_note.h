/* Shared by the bench workloads: an optional xpledge narrowing at start.
 * The raw call (nr 10000) is used so the workloads need not link libxpledge. Natively, and
 * under a supervisor that does not implement pledge yet, the call fails (ENOSYS): say so once
 * on stderr and run anyway, so the harness can still time the workload. */
#pragma once
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define BENCH_SYS_XPLEDGE 10000

static inline void bench_narrow(const char *promises, const char *execpromises) {
  if (!promises) return;
  if (syscall(BENCH_SYS_XPLEDGE, promises, execpromises) != 0)
    fprintf(stderr, "note: xpledge(\"%s\") failed (%s); running without narrowing\n", promises,
            strerror(errno));
}

/* Parses "--pledge PROMISES" (and "--exec-pledge PROMISES") out of argv; returns the index of
 * the first remaining argument. */
static inline int bench_pledge_args(int argc, char **argv, const char **promises,
                                    const char **execpromises) {
  int i = 1;
  *promises = NULL;
  *execpromises = NULL;
  while (i + 1 < argc) {
    if (strcmp(argv[i], "--pledge") == 0) {
      *promises = argv[i + 1];
      i += 2;
    } else if (strcmp(argv[i], "--exec-pledge") == 0) {
      *execpromises = argv[i + 1];
      i += 2;
    } else {
      break;
    }
  }
  return i;
}
