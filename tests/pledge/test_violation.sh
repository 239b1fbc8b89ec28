#!/usr/bin/env bash
# What a violation does: EPERM by default; with `pledge: {violation: kill}` the process is
# killed (exit 137 through `xpledge run`) unless it holds `error`, which turns the kill back into
# an error return. `""` leaves only exit.
# shellcheck source=lib.sh
. "$PLEDGE_TESTS_SRC/lib.sh"

# deny: the call fails, the process goes on.
xp "$DENY" "$V/pledge_steps" "pledge:stdio" "socket:inet" "exit:5"
assert_line "socket:inet = EPERM"
assert_exit 5
assert_denied socket inet

# kill: the process dies at the violating call, nothing after it runs.
xp "$KILL" "$V/pledge_steps" "pledge:stdio" "socket:inet" "exit:5"
assert_line "pledge:stdio = ok"
assert_no_line "socket:inet = EPERM"
assert_exit 137
assert_denied socket inet

# kill, but the process holds `error`: an error return instead.
xp "$KILL" "$V/pledge_steps" "pledge:stdio error" "socket:inet" "exit:5"
grep -Eq '^socket:inet = E[A-Z]+$' "$T/out" || fail "socket did not fail with an errno under error"
assert_no_line "socket:inet = ok"
assert_exit 5

# "" leaves only exit: _exit(7) works (quiet: reporting would be a write) ...
xp "$KILL" "$V/pledge_steps" quiet "pledge:" "exit:7"
assert_exit 7
assert_no_denial
# ... and anything else is a violation: killed under kill, EPERM (exit 1) under deny.
xp "$KILL" "$V/pledge_steps" quiet "pledge:" write "exit:7"
assert_exit 137
assert_denied write stdio
xp "$DENY" "$V/pledge_steps" quiet "pledge:" write
assert_exit 1
assert_denied write stdio
