#!/usr/bin/env bash
# Issue 2 / 1: `xpledge run` exits with the child's status (128+N for a signal), 125 when
# xpledge itself fails (bad usage, bad policy: and then the child never runs), 126 when CMD is
# not executable, 127 when CMD does not exist. When nothing is denied, xpledge adds no output.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
V=$VICTIMS
ALLOW=$POLICIES/allow_all.yaml

# --- the child's own status, output untouched ------------------------------------------------
for code in 0 42; do
  native "$V/exit_status" code "$code"
  xp -p "$ALLOW" -- "$V/exit_status" code "$code"
  assert_exit "$code"
  assert_same_as_native
done
# Without --policy (the embedded default policy), a harmless program is just as untouched.
native "$V/exit_status" code 42
xp -- "$V/exit_status" code 42
assert_exit 42
assert_same_as_native
# CMD found through PATH.
xp -p "$ALLOW" -- true
assert_exit 0
xp -p "$ALLOW" -- false
assert_exit 1

# --- killed by a signal: 128+N ---------------------------------------------------------------
for sig in 11 15 6; do
  xp -p "$ALLOW" -- "$V/exit_status" kill "$sig"
  assert_exit $((128 + sig))
  assert_line "$T/out" "exit_status: kill $sig"
  assert_line "$T/err" "exit_status: on stderr"
  assert_not_contains "$T/err" "still alive"
  assert_lines "$T/err" 1
done
xp -p "$ALLOW" -- "$V/exit_status" segv  # a real fault, not a sent signal
assert_exit 139
assert_lines "$T/err" 1

# --- 125: xpledge itself failed; CMD (which would create a marker) never runs -----------------
marker=$T/marker
check_125() {
  assert_exit 125
  [ -s "$T/err" ] || fail "exit 125 without a message on stderr"
  [ ! -e "$marker" ] || fail "the child ran although xpledge failed (marker exists)"
}
xp_cmd
check_125
xp_cmd run
check_125
xp_cmd run -p "$ALLOW"
check_125
xp_cmd frobnicate -- touch "$marker"
check_125
xp_cmd run --no-such-option -- touch "$marker"
check_125
xp_cmd run --log-format xml -- touch "$marker"
check_125
xp_cmd run -p "$T/no-such-policy.yaml" -- touch "$marker"
check_125

# A misspelt syscall: FILE:LINE:COL of the name, and a hint.
BAD=$POLICIES/bad_typo.yaml
pos=$(rule_pos "$BAD" opneat) || exit 1
xp -p "$BAD" -- touch "$marker"
check_125
assert_contains "$T/err" "^$(re_escape "$BAD:$pos"): error: "
assert_contains "$T/err" "did you mean 'openat'"
assert_empty "$T/out"
# The same through the long option.
xp --policy "$BAD" -- touch "$marker"
check_125

# The marker command itself works, so its absence above proves something.
xp -p "$ALLOW" -- touch "$marker"
assert_exit 0
[ -e "$marker" ] || fail "touch under xpledge did not create the marker"
rm -f "$marker"

# --- 126: found but not executable ------------------------------------------------------------
printf '#!/bin/sh\necho should not run\n' >"$T/noexec"
chmod 644 "$T/noexec"
xp -p "$ALLOW" -- "$T/noexec"
assert_exit 126
assert_not_contains "$T/out" "should not run"
mkdir "$T/a-directory"
xp -p "$ALLOW" -- "$T/a-directory"
assert_exit 126

# --- 127: not found -----------------------------------------------------------------------------
xp -p "$ALLOW" -- "$T/no/such/cmd"
assert_exit 127
xp -p "$ALLOW" -- "xpledge-no-such-command-$$"
assert_exit 127

exit 0
