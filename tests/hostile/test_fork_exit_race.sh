#!/usr/bin/env bash
# Issue 15, item 6: the supervisor never waits for ever. One thread forks in a loop while a
# sibling calls exit_group: a child whose parent died before its fork event was reported is held
# ("embryo") until that event, which never comes. It must be reaped, so that xpledge ends.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
XP_TIMEOUT=120
hx -p "$POLICIES/allow_all.yaml" -- "$A/fork_exit_race" 200
note "$(cat "$T/out")"
assert_held
assert_ok fork-exit-race
exit 0
