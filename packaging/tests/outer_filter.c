/* outer_filter: install a seccomp filter the way systemd's SystemCallFilter= does, then exec a
 * command (xpledge) under it, so the packaging tests can check what docs/systemd.md says about
 * combining the two.
 *
 *   outer_filter allowlist-kill  CMD...   every x86-64 syscall libseccomp knows is allowed,
 *                                         anything else kills the process: an allow-list with
 *                                         systemd's default action. nr -1 is not a syscall.
 *   outer_filter allowlist-errno CMD...   the same list, anything else fails with EPERM: an
 *                                         allow-list with SystemCallErrorNumber=EPERM.
 *   outer_filter native-arch     CMD...   every call allowed, but only from the native ABI;
 *                                         others kill: SystemCallArchitectures=native.
 *
 * Like systemd, it sets no_new_privs (NoNewPrivileges= is implied by a filter for an
 * unprivileged unit) and the filter is inherited by xpledge and by the traced service. */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* Above every x86-64 syscall number in use (Linux 6.x is near 460). */
enum { kMaxSyscallNr = 1024 };

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: outer_filter allowlist-kill|allowlist-errno|native-arch CMD [ARGS...]\n");
    return 2;
  }
  uint32_t otherwise;
  const int native_only = strcmp(argv[1], "native-arch") == 0;
  if (strcmp(argv[1], "allowlist-kill") == 0) {
    otherwise = SCMP_ACT_KILL_PROCESS;
  } else if (strcmp(argv[1], "allowlist-errno") == 0) {
    otherwise = SCMP_ACT_ERRNO(EPERM);
  } else if (native_only) {
    otherwise = SCMP_ACT_ALLOW;
  } else {
    fprintf(stderr, "outer_filter: unknown mode '%s'\n", argv[1]);
    return 2;
  }
  scmp_filter_ctx ctx = seccomp_init(otherwise);
  if (!ctx) {
    fprintf(stderr, "outer_filter: seccomp_init failed\n");
    return 125;
  }
  int allowed = 0;
  if (native_only) {
    /* A new context holds the native ABI only; calls from any other ABI get this action. */
    if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) != 0) {
      fprintf(stderr, "outer_filter: cannot set the bad-ABI action\n");
      return 125;
    }
    allowed = kMaxSyscallNr; /* no list */
  }
  for (int nr = 0; nr < kMaxSyscallNr && !native_only; ++nr) {
    char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
    if (!name) continue;
    free(name);
    if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0) == 0) ++allowed;
  }
  if (allowed < 300) {
    fprintf(stderr, "outer_filter: only %d syscalls resolved; libseccomp too old?\n", allowed);
    return 125;
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || seccomp_load(ctx) != 0) {
    fprintf(stderr, "outer_filter: cannot load the filter: %s\n", strerror(errno));
    return 125;
  }
  seccomp_release(ctx);
  execvp(argv[2], argv + 2);
  fprintf(stderr, "outer_filter: %s: %s\n", argv[2], strerror(errno));
  return 127;
}
