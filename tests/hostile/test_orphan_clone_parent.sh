#!/usr/bin/env bash
# Issue 15, item 6, the other side of test_fork_exit_race: a held child whose creator is alive
# must be released, not reaped as an orphan. An orphaned tracee's CLONE_PARENT children name init
# as their parent, like the children of a killed process do; every one of them must run.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
hx -p "$POLICIES/allow_all.yaml" -- "$A/orphan_clone_parent" 100
note "$(cat "$T/out")"
assert_held
assert_ok orphan-clone-parent
assert_not_contains "$T/err" "its parent died before reporting it"
exit 0
