#!/usr/bin/env bash
# The argument registers clone and clone3 leave to the parent and to the child (attacks/
# clone_regs.c): the supervisor clears CLONE_UNTRACED in clone's rdi and points clone3's rdi at
# a pinned copy of its struct in the scratch area; the kernel keeps rdi and rsi across the call
# and the child starts with its parent's registers. Both must see what the program passed: the
# parent from the call's exit stop, the child from its first stop. Natively every variant holds.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
native "$A/clone_regs"
[ "$nrc" -eq 0 ] || fail "clone_regs fails natively (exit $nrc): $(cat "$T/nout" "$T/nerr")"

hx -p "$POLICIES/allow_all.yaml" -- "$A/clone_regs"
note "$(cat "$T/out")"
assert_held
assert_ok clone3-fork clone3-untraced clone3-vfork clone-untraced clone-fork
assert_count "$T/err" '^xpledge: log pid=[0-9]+ comm=clone_regs clone3?\(.* rule=guard:clone-untraced$' 2
exit 0
