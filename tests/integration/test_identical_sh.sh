#!/usr/bin/env bash
# Issue 2 / 13a: under an allow-all policy xpledge is invisible: a shell pipeline writes the same
# bytes on stdout and stderr and exits with the same status as without xpledge.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
ALLOW=$POLICIES/allow_all.yaml
require_cmd sh sort tr

script="printf 'a\nb\n' | sort -r | tr a-z A-Z"
native sh -c "$script"
xp -p "$ALLOW" -- sh -c "$script"
assert_same_as_native
[ "$(cat "$T/out")" = "$(printf 'B\nA')" ] || fail "unexpected pipeline output: $(cat "$T/out")"

# stderr and a non-zero status too
script="echo out; echo err >&2; printf 'x\ny\n' | wc -l; exit 3"
native sh -c "$script"
xp -p "$ALLOW" -- sh -c "$script"
assert_same_as_native
assert_exit 3
exit 0
