#!/usr/bin/env bash
# Issue 6 / 2: signals that reach the supervisor through its process group, not its pid:
#   kill(0, SIGALRM)        the tracee's own group, which the supervisor shares: a signal the
#                           supervisor neither handles nor ignores kills it (the tracee ignores
#                           SIGALRM, so only the supervisor would die: exit 128+14)
#   kill(-pgid, SIGSTOP)    after setpgid(0, 0), the supervisor's group alone: stops it
# The supervisor must survive and never stop; a refused call must be logged. xpledge runs in its
# own session (setsid), so nothing outside it can be hit.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
OPEN_FINDING="kill(0, sig) and kill(-pgid, sig) from a tracee reach the supervisor"
command -v setsid >/dev/null 2>&1 || skip "setsid (util-linux) is missing"

hx_watch --setsid -p "$POLICIES/allow_all.yaml" -- "$A/signal_indirect" group-alarm
[ "$rc" -ne $((128 + 14)) ] || fail "kill(0, SIGALRM) from the tracee killed the supervisor (exit $rc)"
assert_held
assert_ok kill-group-SIGALRM
if grep -q '^ok kill-group-SIGALRM: errno=' "$T/out"; then
  assert_logged "deny pid=[0-9]+ comm=signal_indirect kill\\(0, SIGALRM\\) = -1 "
fi

hx_watch --setsid -p "$POLICIES/allow_all.yaml" -- "$A/signal_indirect" group-stop
assert_not_stopped
assert_held
assert_ok kill-supervisor-group-SIGSTOP
if grep -q '^ok kill-supervisor-group-SIGSTOP: errno=' "$T/out"; then
  assert_logged "deny pid=[0-9]+ comm=signal_indirect kill\\(-[0-9]+, SIGSTOP\\) = -1 "
fi

# Back into the supervisor's group after leaving it: refused (issue 16 lets a process name the
# group it is in already, which changes nothing; not this).
hx --setsid -p "$POLICIES/allow_all.yaml" -- "$A/signal_indirect" group-back
assert_held
assert_ok setpgid-back setpgid-child-back
assert_count "$T/err" '^xpledge: deny pid=[0-9]+ comm=signal_indirect setpgid\([0-9]+, [0-9]+\) = -1 EPERM rule=guard:signal-supervisor$' 2
exit 0
