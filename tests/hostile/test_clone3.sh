#!/usr/bin/env bash
# Issue 6 / 2: clone3 (flags in memory) gets ENOSYS and creates nothing, even under a policy
# that allows everything and with CLONE_UNTRACED asked for. The refusal is quiet by default (it
# is libc's normal fallback path) and logged with -v; the default policy's own rule logs it.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"

hx -v -p "$POLICIES/allow_all.yaml" -- "$A/clone3_untraced"
assert_held
assert_ok clone3-untraced clone3-fork clone3-vm-untraced
assert_count "$T/err" '^xpledge: deny pid=[0-9]+ comm=clone3_untraced clone3\(.* = -1 ENOSYS rule=guard:clone3$' 3

hx -p "$POLICIES/allow_all.yaml" -- "$A/clone3_untraced"
assert_held
assert_not_contains "$T/err" 'clone3'  # quiet without -v

hx -- "$A/clone3_untraced"
assert_held
assert_count "$T/err" '^xpledge: deny pid=[0-9]+ comm=clone3_untraced clone3\(.* = -1 ENOSYS rule=deny\[[0-9]+\]@<default>' 3
exit 0
