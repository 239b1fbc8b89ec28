#!/usr/bin/env bash
# Issue 16 (was issue 6 / 2: ENOSYS for every clone3): clone3 is judged as the clone it makes and
# runs from a pinned copy of its struct clone_args. CLONE_UNTRACED in the struct is cleared
# (logged guard:clone-untraced) and the child is traced, as a fork, a CLONE_VM child and a
# CLONE_VFORK one; a sibling thread flipping the struct's flags to CLONE_UNTRACED|CLONE_NEWUSER
# never gets a child the supervisor did not see (the default policy refuses CLONE_NEWUSER).
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"

hx -p "$POLICIES/allow_all.yaml" -- "$A/clone3_untraced" untraced vm-untraced vfork-untraced
assert_held
assert_ok clone3-untraced clone3-vm-untraced clone3-vfork-untraced
grep -q '^ok clone3-untraced: the child is traced$' "$T/out" || fail "clone3-untraced made no traced child"
assert_count "$T/err" '^xpledge: log pid=[0-9]+ comm=clone3_untraced clone3\(.* rule=guard:clone-untraced$' 3

# The race, under the default policy (no -p): its rule on clone's namespace flags holds for
# clone3; the calls judged with the flags set are refused and logged.
hx -- "$A/clone3_untraced" race
assert_held
assert_ok race
assert_logged "deny pid=[0-9]+ comm=clone3_untraced clone3\\(.* = -1 EPERM rule=deny\\[[0-9]+\\]@<default>"
note "$(grep '^ok race' "$T/out")"
exit 0
