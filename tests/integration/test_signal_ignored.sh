#!/usr/bin/env bash
# Signals the caller ignored stay ignored in the program, as without xpledge: `nohup xpledge run
# -- CMD` must not let a hangup kill CMD, nor a shell's background job (SIGINT, SIGQUIT ignored)
# die of ^C. Before, xpledge caught them to forward or drop and the program got SIG_DFL.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
ALLOW=$POLICIES/allow_all.yaml
env --ignore-signal=HUP true 2>/dev/null || skip "env has no --ignore-signal (coreutils < 8.31)"
SIGS=HUP,INT,QUIT,TERM,USR1,USR2,WINCH,PIPE,ALRM,XFSZ,IO,RTMIN

# 1. The dispositions the program starts with are the native ones (SigIgn of /proc/self/status).
native env --ignore-signal=$SIGS grep '^SigIgn' /proc/self/status
# shellcheck disable=SC2086
timeout -k 5 "$XP_TIMEOUT" env --ignore-signal=$SIGS "$XPLEDGE" run $XPLEDGE_RUN_FLAGS \
  -p "$ALLOW" -- grep '^SigIgn' /proc/self/status >"$T/out" 2>"$T/err" </dev/null
rc=$?
note "native $(cat "$T/nout"), under xpledge $(cat "$T/out")"
assert_same_as_native
# And with nothing ignored, nothing is (the handlers xpledge installs are not inherited).
native env --default-signal=$SIGS grep '^SigIgn' /proc/self/status
# shellcheck disable=SC2086
timeout -k 5 "$XP_TIMEOUT" env --default-signal=$SIGS "$XPLEDGE" run $XPLEDGE_RUN_FLAGS \
  -p "$ALLOW" -- grep '^SigIgn' /proc/self/status >"$T/out" 2>"$T/err" </dev/null
rc=$?
assert_same_as_native

# Also glibc's own two (32, 33), which its sigaction() hides and which glibc takes over in
# xpledge at its first thread (the spawn's helper): the program must still start with them
# ignored (a CI runner's environment did).
native "$VICTIMS/ignore_raw" 32,33,40 grep '^SigIgn' /proc/self/status
# shellcheck disable=SC2086
timeout -k 5 "$XP_TIMEOUT" "$VICTIMS/ignore_raw" 32,33,40 "$XPLEDGE" run $XPLEDGE_RUN_FLAGS \
  -p "$ALLOW" -- grep '^SigIgn' /proc/self/status >"$T/out" 2>"$T/err" </dev/null
rc=$?
note "32,33,40: native $(cat "$T/nout"), under xpledge $(cat "$T/out")"
assert_same_as_native

# 2. nohup: SIGHUP to xpledge, and to the program itself, ends nothing; SIGTERM (not ignored)
# is still forwarded and ends the program (no handler: 128+15).
rm -f "$T/ready"
# shellcheck disable=SC2086
env --ignore-signal=HUP --default-signal=TERM "$XPLEDGE" run $XPLEDGE_RUN_FLAGS -p "$ALLOW" -- \
  "$VICTIMS/wait_signal" "$T/ready" - >"$T/out" 2>"$T/err" </dev/null &
XP_PID=$!
_xp_bg_pids+=("$XP_PID")
wait_for_file "$T/ready" 10
child=$(cat "$T/ready")
_xp_bg_pids+=("$child")
kill -s HUP "$XP_PID" || fail "cannot send SIGHUP to xpledge"
kill -s HUP "$child" || fail "cannot send SIGHUP to the program"
sleep 0.5
kill -0 "$XP_PID" 2>/dev/null || fail "xpledge ended on a SIGHUP its caller ignored"
kill -0 "$child" 2>/dev/null || fail "the program died of a SIGHUP its caller ignored"
kill -s TERM "$XP_PID"
wait_bg "$XP_PID" 10
[ "$rc" -eq 143 ] || fail "SIGTERM after the ignored SIGHUPs: expected exit 143, got $rc"
assert_empty "$T/err"
exit 0
