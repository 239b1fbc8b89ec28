#!/usr/bin/env bash
# Issue 2 / 7: SIGSTOP from outside really stops the tracee (it stays stopped: group-stop, not
# swallowed by the supervisor), and SIGCONT lets it go on and exit 0.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
xp_bg "$T/out" "$T/err" -p "$POLICIES/allow_all.yaml" -- "$VICTIMS/stop_cont" "$T/pid" "$T/go"
wait_for_file "$T/pid" 10
vpid=$(cat "$T/pid")
_xp_bg_pids+=("$vpid")
tracer=$(tracer_of "$vpid")
[ -n "$tracer" ] && [ "$tracer" != 0 ] && [ -d "/proc/$XP_PID/task/$tracer" ] \
  || fail "victim $vpid is not traced by xpledge (TracerPid=$tracer, xpledge=$XP_PID)"
sleep 0.1

kill -STOP "$vpid"
# Stopped: 'T', or 't' (a tracee kept in its group-stop by PTRACE_LISTEN shows as tracing stop).
stopped=
for _ in $(seq 100); do
  case $(proc_state "$vpid") in T | t) stopped=1; break ;; esac
  sleep 0.02
done
[ -n "$stopped" ] || fail "victim did not stop after SIGSTOP (state $(proc_state "$vpid"))"
sleep 0.8
st=$(proc_state "$vpid")
case $st in T | t) ;; *) fail "victim did not stay stopped (state '$st' 0.8 s after SIGSTOP)" ;; esac
kill -0 "$XP_PID" 2>/dev/null || fail "xpledge exited while its tracee was stopped"

touch "$T/go"
kill -CONT "$vpid"
wait_bg "$XP_PID" 10
assert_exit 0
gap=$(field "$T/out" max_gap_ms)
[ -n "$gap" ] || fail "victim printed no max_gap_ms"
# The victim ticks every 10 ms; a gap of 700+ ms proves it did not run while stopped.
[ "$gap" -ge 700 ] || fail "victim kept running while 'stopped' (longest pause ${gap} ms < 700 ms)"
assert_empty "$T/err"
exit 0
