#!/usr/bin/env bash
# Which rule decides: an explicit deny wins over an allow of the same call, and a call no rule
# names gets the `default` verdict, logged as rule=default@FILE:LINE:COL.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"

# deny wins over allow
POL=$POLICIES/deny_wins.yaml
f=$T/keep-me
: >"$f"
# the deny list item, not the allow one: rule_pos finds the first "- unlinkat", so look below deny:
deny_line=$(grep -n '^deny:' "$POL" | cut -d: -f1)
pos=$(awk -v from="$deny_line" 'NR > from && /^[ ]*- unlinkat[ ]*$/ { print NR ":" index($0, "- ") + 2; exit }' "$POL")
[ -n "$pos" ] || fail "cannot locate the deny item in $POL"
xp -p "$POL" -- "$VICTIMS/try_call" unlinkat "$f"
assert_exit 0
assert_line "$T/out" "unlinkat ret=-1 errno=EUCLEAN"
[ -e "$f" ] || fail "unlinkat allowed and denied: the deny must win, but the file is gone"
pid=$(field "$T/out" pid)
assert_line "$T/err" \
  "xpledge: deny pid=$pid comm=try_call unlinkat(AT_FDCWD, \"$f\", 0) = -1 EUCLEAN rule=deny[0]@$POL:$pos"
assert_lines "$T/err" 1

# default: deny
POL=$POLICIES/default_deny.yaml
default_line=$(grep -n '^default:' "$POL" | cut -d: -f1)
d=$T/newdir
xp -p "$POL" -- "$VICTIMS/try_call" mkdir "$d"
assert_exit 0
assert_line "$T/out" "mkdir ret=-1 errno=EUCLEAN"
[ ! -e "$d" ] || fail "mkdir denied by default created $d"
pid=$(field "$T/out" pid)
# The column may point at the key or at its value; the line must be the `default:` line.
assert_contains "$T/err" \
  "^xpledge: deny pid=$pid comm=try_call mkdir\\($(re_escape "\"$d\""), [^)]*\\) = -1 EUCLEAN rule=default@$(re_escape "$POL"):$default_line:(1|10)\$"
assert_lines "$T/err" 1
exit 0
