#!/usr/bin/env bash
# Issue 6 / 2: fcntl(F_SETOWN, supervisor) + O_ASYNC makes the kernel signal the supervisor when
# an fd becomes ready: SIGIO (default action: terminate; exit 128+29 if it lands) or, with
# F_SETSIG, any signal (SIGSTOP here). The supervisor must survive and never stop; a refused
# fcntl must be logged.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
OPEN_FINDING="F_SETOWN(supervisor) + O_ASYNC makes the kernel signal the supervisor"

hx_watch -p "$POLICIES/allow_all.yaml" -- "$A/signal_indirect" sigio
[ "$rc" -ne $((128 + 29)) ] || fail "SIGIO from an O_ASYNC pipe owned by the supervisor killed it (exit $rc)"
assert_held
assert_ok sigio-SIGIO
if grep -q '^ok sigio-SIGIO: set-up refused' "$T/out"; then
  assert_logged "deny pid=[0-9]+ comm=signal_indirect fcntl\\(.* = -1 "
fi

hx_watch -p "$POLICIES/allow_all.yaml" -- "$A/signal_indirect" sigio-stop
assert_not_stopped
assert_held
assert_ok sigio-SIGSTOP
if grep -q '^ok sigio-SIGSTOP: set-up refused' "$T/out"; then
  assert_logged "deny pid=[0-9]+ comm=signal_indirect fcntl\\(.* = -1 "
fi
exit 0
