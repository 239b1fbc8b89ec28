#!/usr/bin/env bash
# Issue 15, item 7: the path scratch area is attached per address space. A vfork child makes the
# image's first path-checked call (the area is attached in the memory it shares with its parent);
# the parent's path-checked calls then run pinned and checked, instead of failing with EAGAIN.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
[ -r /proc/sysvipc/shm ] || skip "no /proc/sysvipc/shm: System V shm is not available here"
hx -p "$POLICIES/vfork_scratch.yaml" -- "$A/vfork_scratch" "$T"
note "$(cat "$T/out")"
assert_held
assert_ok vfork-parent vfork-rule
[ -d "$T/by-child" ] && [ -d "$T/by-parent" ] || fail "the directories were not made"
assert_not_contains "$T/err" "cannot attach the path scratch area"
assert_logged "deny pid=[0-9]+ (tid=[0-9]+ )?comm=vfork_scratch mkdir\\(\".*/forbiddn\", .* = -1 EUCLEAN "
exit 0
