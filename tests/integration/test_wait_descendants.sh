#!/usr/bin/env bash
# Contract: run waits for every traced descendant before exiting, and still exits with the
# main child's status. The main child exits 3 at once; its child writes a marker 300 ms later.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
marker=$T/marker
xp -p "$POLICIES/allow_all.yaml" -- "$VICTIMS/orphan_writer" "$marker" 300 3
assert_exit 3
[ -e "$marker" ] || fail "xpledge returned before the main child's orphan finished"
assert_empty "$T/out"
assert_empty "$T/err"
exit 0
