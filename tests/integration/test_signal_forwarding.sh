#!/usr/bin/env bash
# Issue 2 / 15: signals sent to xpledge (TERM INT HUP QUIT USR1 USR2 WINCH) are forwarded to the
# child. A child with a handler handles it and exits 0 (so does run); a child without a handler
# dies of it and run exits 128+N. xpledge itself adds no output.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
ALLOW=$POLICIES/allow_all.yaml

for sig in TERM INT HUP QUIT USR1 USR2 WINCH; do
  rm -f "$T/ready"
  xp_bg "$T/out" "$T/err" -p "$ALLOW" -- "$VICTIMS/wait_signal" "$T/ready" "$sig"
  wait_for_file "$T/ready" 10
  _xp_bg_pids+=("$(cat "$T/ready")")  # killed on exit if a failure leaves it behind
  kill -s "$sig" "$XP_PID" || fail "cannot send SIG$sig to xpledge"
  wait_bg "$XP_PID" 10
  [ "$rc" -eq 0 ] || fail "SIG$sig with a handler: expected exit 0, got $rc"
  assert_line "$T/out" "got SIG$sig"
  assert_lines "$T/out" 1
  assert_empty "$T/err"
done

for pair in TERM:15 INT:2 HUP:1 USR1:10; do
  sig=${pair%%:*}
  num=${pair##*:}
  rm -f "$T/ready"
  xp_bg "$T/out" "$T/err" -p "$ALLOW" -- "$VICTIMS/wait_signal" "$T/ready" -
  wait_for_file "$T/ready" 10
  _xp_bg_pids+=("$(cat "$T/ready")")  # killed on exit if a failure leaves it behind
  kill -s "$sig" "$XP_PID" || fail "cannot send SIG$sig to xpledge"
  wait_bg "$XP_PID" 10
  [ "$rc" -eq $((128 + num)) ] || fail "SIG$sig without a handler: expected exit $((128 + num)), got $rc"
  assert_empty "$T/out"
  assert_empty "$T/err"
done
exit 0
