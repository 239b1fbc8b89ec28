#!/usr/bin/env bash
# Issue 2 / 5: 1000 SIGUSR1, each acknowledged before the next is sent, all reach the handler
# (none lost or duplicated by the supervisor's signal-delivery stops), while the receiver sits
# in a restarted waitpid.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
xp -p "$POLICIES/allow_all.yaml" -- "$VICTIMS/sig_flood" 1000
assert_exit 0
assert_line "$T/out" "received=1000 child=ok"
assert_empty "$T/err"
exit 0
