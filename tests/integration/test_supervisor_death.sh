#!/usr/bin/env bash
# Issue 2 / 16: when the supervisor dies (kill -9), its tracee must not live on unsupervised:
# it is dead within 2 s (PTRACE_O_EXITKILL).
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
xp_bg "$T/out" "$T/err" -p "$POLICIES/allow_all.yaml" -- "$VICTIMS/wait_signal" "$T/ready" -
wait_for_file "$T/ready" 10
vpid=$(cat "$T/ready")
_xp_bg_pids+=("$vpid")
tracer=$(tracer_of "$vpid")
[ -n "$tracer" ] && [ "$tracer" != 0 ] && [ -d "/proc/$XP_PID/task/$tracer" ] \
  || fail "victim $vpid is not traced by xpledge (TracerPid=$tracer, xpledge=$XP_PID)"
case $(proc_state "$vpid") in
  "" | Z | X) fail "victim died before the supervisor did" ;;
esac

kill -9 "$XP_PID"
start=$(date +%s%N)
while :; do
  case $(proc_state "$vpid") in
    "" | Z | X) break ;;  # gone, or a zombie waiting for its new parent: dead either way
  esac
  elapsed=$((($(date +%s%N) - start) / 1000000))
  [ "$elapsed" -lt 2000 ] || fail "tracee $vpid still alive (state $(proc_state "$vpid")) 2 s after the supervisor was killed"
  sleep 0.02
done
wait "$XP_PID" 2>/dev/null
exit 0
