#!/usr/bin/env bash
# Issue 2 / 11: a tree of 200 processes (each forks up to 3) all run and exit 0 under the
# supervisor; one leaf makes a denied call, which is logged once with the leaf's pid.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
POL=$POLICIES/deny_unlinkat.yaml
pos=$(rule_pos "$POL" unlinkat) || exit 1
f=$T/leaf-file
: >"$f"

xp -p "$POL" -- "$VICTIMS/fork_tree" 200 "$f"
assert_exit 0
assert_line "$T/out" "started=200"
assert_count "$T/out" "^leaf " 1
assert_contains "$T/out" "^leaf pid=[0-9]+ children=0 unlinkat ret=-1 errno=EUCLEAN$"
leaf=$(field "$T/out" pid)
[ -e "$f" ] || fail "the leaf's denied unlinkat removed $f"
assert_line "$T/err" \
  "xpledge: deny pid=$leaf comm=fork_tree unlinkat(AT_FDCWD, \"$f\", 0) = -1 EUCLEAN rule=deny[0]@$POL:$pos"
assert_lines "$T/err" 1
exit 0
