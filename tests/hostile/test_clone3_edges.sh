#!/usr/bin/env bash
# Review 3 (clone3 judged as clone and pinned, issue 16): the struct's edges. Sizes the kernel
# takes (65, 4096) and refuses (a non-zero tail: E2BIG; 4104: E2BIG; a tail on an unmapped
# page: EFAULT), CLONE_PARENT (the supervisor's own child), clone3 from a vfork child, set_tid,
# CLONE_PIDFD, another exit signal: every child asked for CLONE_UNTRACED and must be traced and
# still under the policy (its getppid refused with EUCLEAN).
# Not here: a tail on a PROT_NONE page (variant cross-none) gets EFAULT natively but a child
# under xpledge, which reads it through /proc/PID/mem (FOLL_FORCE) and pins it: a fidelity
# difference, not an escape.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"

hx -p "$POLICIES/deny_getppid.yaml" -- "$A/clone3_edges"
assert_held
assert_ok clone3-odd-size clone3-page-size clone3-page-tail clone3-over-page clone3-cross-unmapped \
  clone3-parent clone3-vfork-child clone3-pidfd clone3-exit-signal
assert_logged "deny pid=[0-9]+ comm=clone3_edges clone3\\(.*, 0x1008, .* = -1 E2BIG rule=guard:clone3"
exit 0
