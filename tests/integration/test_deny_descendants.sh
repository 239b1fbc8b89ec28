#!/usr/bin/env bash
# Issue 2 / 4: the policy follows fork and clone. A grandchild (fork -> fork) and a second
# thread each make a denied unlinkat: both see EUCLEAN, both files stay, and each denial is
# logged once with the caller's own pid (its tid for the thread).
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
POL=$POLICIES/deny_unlinkat.yaml
pos=$(rule_pos "$POL" unlinkat) || exit 1
gc_file=$T/grandchild-file
th_file=$T/thread-file
: >"$gc_file"
: >"$th_file"

xp -p "$POL" -- "$VICTIMS/deny_tree" "$gc_file" "$th_file"
assert_exit 0
assert_line "$T/out" "done"
main=$(field "$T/out" pid)
assert_contains "$T/out" "^grandchild pid=[0-9]+ unlinkat ret=-1 errno=EUCLEAN$"
assert_contains "$T/out" "^thread pid=[0-9]+ unlinkat ret=-1 errno=EUCLEAN$"
gc=$(grep '^grandchild ' "$T/out" | sed 's/.*pid=\([0-9]*\).*/\1/')
th=$(grep '^thread ' "$T/out" | sed 's/.*pid=\([0-9]*\).*/\1/')
[ "$gc" != "$main" ] && [ "$th" != "$main" ] && [ "$gc" != "$th" ] \
  || fail "expected three distinct ids, got main=$main grandchild=$gc thread=$th"
[ -e "$gc_file" ] || fail "the grandchild's denied unlinkat removed its file"
[ -e "$th_file" ] || fail "the thread's denied unlinkat removed its file"
rule="rule=deny[0]@$POL:$pos"
assert_line "$T/err" "xpledge: deny pid=$gc comm=deny_tree unlinkat(AT_FDCWD, \"$gc_file\", 0) = -1 EUCLEAN $rule"
main=$(grep '^main ' "$T/out" | sed 's/.*pid=\([0-9]*\).*/\1/')
# A thread is logged with its process id and its own thread id.
assert_line "$T/err" "xpledge: deny pid=$main tid=$th comm=deny_tree unlinkat(AT_FDCWD, \"$th_file\", 0) = -1 EUCLEAN $rule"
assert_lines "$T/err" 2
exit 0
