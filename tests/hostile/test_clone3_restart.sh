#!/usr/bin/env bash
# Review 3 (clone3 pinned, issue 16): a clone3 the kernel restarts after a signal handler ran
# (-ERESTARTNOINTR from copy_process) still points at the thread's scratch slot, which the
# handler's own pinned openat (path_race.yaml has a path rule) has filled with its path: the
# restarted clone3 reads the path as its struct clone_args and fails with EINVAL (natively:
# never). Judged again at its stop, so not an escape: a transparency bug (glibc's pthread_create
# and posix_spawn use clone3). Now clone3's pinned bytes are kept like a path call's
# (t.last_pinned / restartable) and put back when it restarts.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"

native "$A/clone3_restart" 500
[ "$nrc" -eq 0 ] || fail "clone3_restart fails natively: $(cat "$T/nout")"
hx -p "$POLICIES/path_race.yaml" -- "$A/clone3_restart" 500
assert_held
assert_ok clone3-restart
exit 0
