#!/usr/bin/env bash
# Issue 2 / 6: a parent blocked in sigsuspend gets its child's SIGCHLD (20 rounds, the child
# exiting at once or after 50 ms). A lost SIGCHLD or a wrongly restarted sigsuspend hangs: the
# xp helper's timeout turns that into a failure.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
XP_TIMEOUT=20
xp -p "$POLICIES/allow_all.yaml" -- "$VICTIMS/sigchld_wait" 20
assert_exit 0
assert_line "$T/out" "rounds=20 ok"
assert_empty "$T/err"
exit 0
