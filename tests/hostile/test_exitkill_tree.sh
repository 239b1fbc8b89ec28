#!/usr/bin/env bash
# Issue 6 / 2: `kill -9` of the supervisor from outside kills every tracee (PTRACE_O_EXITKILL):
# the main process and its threads, a child with a thread, and a daemonised great-grandchild
# (setsid, parent gone, adopted by init) with a thread. All are traced by the supervisor first;
# all are gone (or zombies) within 2 s of its death.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
list=$T/w/list

xp_bg "$T/out" "$T/err" -p "$POLICIES/allow_all.yaml" -- "$A/exitkill_tree" "$list"
wait_for_file "$list.ready" 20
mapfile -t tasks <"$list"
[ "${#tasks[@]}" -eq 7 ] || fail "expected 7 tasks, got ${#tasks[@]}: ${tasks[*]}"
for t in "${tasks[@]}"; do
  read -r pid tid <<<"$t"
  _xp_bg_pids+=("$pid")
  tracer=$(awk '/^TracerPid:/ { print $2 }' "/proc/$pid/task/$tid/status" 2>/dev/null)
  [ -n "$tracer" ] && [ -d "/proc/$XP_PID/task/$tracer" ] ||
    fail "task $pid/$tid is not traced by the supervisor $XP_PID (TracerPid=$tracer)"
done

kill -9 "$XP_PID"
start=$(date +%s%N)
for t in "${tasks[@]}"; do
  read -r pid tid <<<"$t"
  while :; do
    case $(proc_state "$tid") in
      "" | Z | X) break ;;
    esac
    [ $((($(date +%s%N) - start) / 1000000)) -lt 2000 ] ||
      fail "task $pid/$tid still alive (state $(proc_state "$tid")) 2 s after the supervisor was killed"
    sleep 0.02
  done
done
wait "$XP_PID" 2>/dev/null
exit 0
