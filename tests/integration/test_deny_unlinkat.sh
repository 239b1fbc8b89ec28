#!/usr/bin/env bash
# Issue 2 / 2: a denied unlinkat never reaches the kernel (the file stays), the program sees -1
# with the policy's errno (EUCLEAN), and xpledge logs exactly one line in the documented format.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
POL=$POLICIES/deny_unlinkat.yaml
pos=$(rule_pos "$POL" unlinkat) || exit 1

f=$T/keep-me
echo data >"$f"
xp -p "$POL" -- "$VICTIMS/try_call" unlinkat "$f"
assert_exit 0
assert_line "$T/out" "unlinkat ret=-1 errno=EUCLEAN"
[ -f "$f" ] && [ "$(cat "$f")" = data ] || fail "the denied unlinkat removed or changed $f"
pid=$(field "$T/out" pid)
[ -n "$pid" ] || fail "victim printed no pid"
assert_line "$T/err" \
  "xpledge: deny pid=$pid comm=try_call unlinkat(AT_FDCWD, \"$f\", 0) = -1 EUCLEAN rule=deny[0]@$POL:$pos"
assert_lines "$T/err" 1

# A call the policy allows is untouched and unlogged.
xp -p "$POL" -- "$VICTIMS/try_call" getpid
assert_exit 0
assert_contains "$T/out" "^getpid ret=[0-9]+ errno=0$"
assert_empty "$T/err"

# Without the deny, the same victim really removes the file (so the pass above means something).
xp -p "$POLICIES/allow_all.yaml" -- "$VICTIMS/try_call" unlinkat "$f"
assert_exit 0
assert_line "$T/out" "unlinkat ret=0 errno=0"
[ ! -e "$f" ] || fail "allowed unlinkat did not remove $f"
assert_empty "$T/err"
exit 0
