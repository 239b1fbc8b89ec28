#!/usr/bin/env bash
# xpledge attach (issue 7 item 4): attach to a running victim that tries to unlinkat a file every
# 100 ms; under a policy denying unlinkat (EUCLEAN) the file survives and each denial is logged.
# SIGINT detaches: xpledge exits 0, the victim keeps running untraced and its next unlinkat
# removes the file natively. Also: the attached process's exit status becomes xpledge's, and a
# pid that does not exist or is already traced is a clear error with status 125.
# attach is always pure ptrace; the ptrace-mode copy passes --no-seccomp, which it accepts.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
POL=$POLICIES/deny_unlinkat.yaml
pos=$(rule_pos "$POL" unlinkat) || exit 1

# attach_bg OUT ERR ARGS...: `xpledge attach ARGS` in the background; its pid -> $XP_PID.
attach_bg() { xp_sub_bg attach "$@"; }

# wait_for_count FILE ERE N SECS: fail unless FILE has at least N lines matching ERE within SECS.
wait_for_count() {
  local deadline=$((SECONDS + $4))
  until [ "$(grep -Ec -- "$2" "$1")" -ge "$3" ]; do
    [ "$SECONDS" -lt "$deadline" ] || fail "$(basename "$1"): fewer than $3 lines matching /$2/ after $4s"
    sleep 0.05
  done
}

# start_victim FILE ARGS...: unlink_loop FILE ARGS in the background, output in $T/victim.out;
# its pid -> $VPID once it has printed it.
start_victim() {
  rm -f "$T/victim.out"
  "$VICTIMS/unlink_loop" "$@" >"$T/victim.out" 2>&1 </dev/null &
  VPID=$!
  _xp_bg_pids+=("$VPID")
  wait_for_file "$T/victim.out" 5
  assert_line "$T/victim.out" "pid=$VPID"
}

# --- deny while attached, detach on SIGINT ---------------------------------------------------
f=$T/keep-me
start_victim "$f"
# Before the attach the victim's calls are its own: the file does not exist yet.
wait_for_count "$T/victim.out" '^unlinkat ret=-1 errno=ENOENT$' 1 5

note "attach with a policy denying unlinkat"
attach_bg "$T/out" "$T/err" --pid "$VPID" -p "$POL"
# The denial comes at syscall entry, before the kernel looks at the path: EUCLEAN for a missing
# file proves that enforcement has begun. Only then does the file appear.
wait_for_count "$T/victim.out" '^unlinkat ret=-1 errno=EUCLEAN$' 1 10
assert_eq "$XP_PID" "$(tracer_of "$VPID")" "TracerPid of the victim"
echo data >"$f"
n=$(grep -Ec '^unlinkat ret=-1 errno=EUCLEAN$' "$T/victim.out")
wait_for_count "$T/victim.out" '^unlinkat ret=-1 errno=EUCLEAN$' $((n + 3)) 10
[ -f "$f" ] && [ "$(cat "$f")" = data ] || fail "a denied unlinkat removed or changed $f"
assert_not_contains "$T/victim.out" '^unlinkat ret=0 '
assert_contains "$T/err" \
  "^xpledge: deny pid=$VPID comm=unlink_loop unlinkat\(AT_FDCWD, \"$(re_escape "$f")\", 0\) = -1 EUCLEAN rule=deny\[0\]@$(re_escape "$POL"):$pos$"
assert_not_contains "$T/victim.out" 'errno=ENOSYS'

note "SIGINT detaches and leaves the victim running"
kill -INT "$XP_PID"
wait_bg "$XP_PID" 10
assert_exit 0
kill -0 "$VPID" 2>/dev/null || fail "the victim did not survive the detach"
assert_eq 0 "$(tracer_of "$VPID")" "TracerPid of the victim after the detach"
state=$(proc_state "$VPID")
case $state in
  R | S) ;;
  *) fail "the victim is in state '$state' after the detach (expected running or sleeping)" ;;
esac
# Its next unlinkat runs natively: the file goes.
wait_for_count "$T/victim.out" '^unlinkat ret=0 errno=0$' 1 5
[ ! -e "$f" ] || fail "the victim's unlinkat after the detach did not remove $f"
# A call in flight at the detach got our errno or ran natively, never a half-done ENOSYS.
assert_not_contains "$T/victim.out" 'errno=ENOSYS'
kill "$VPID"
wait "$VPID" 2>/dev/null

# --- the attached process's exit status is xpledge's --------------------------------------------
note "the victim exits while attached: xpledge exits with its status"
start_victim "$T/absent" 15 7
XP_LAST_CMD="xpledge attach $XPLEDGE_RUN_FLAGS --pid $VPID -p $POL"
# shellcheck disable=SC2086
timeout -k 5 "$XP_TIMEOUT" "$XPLEDGE" attach $XPLEDGE_RUN_FLAGS --pid "$VPID" -p "$POL" \
  >"$T/out" 2>"$T/err" </dev/null
rc=$?
assert_exit 7
assert_contains "$T/err" '^xpledge: deny .*unlinkat\('
wait "$VPID" 2>/dev/null

# --- errors -------------------------------------------------------------------------------------
note "a pid that does not exist"
true &
dead=$!
wait "$dead"
[ ! -e "/proc/$dead" ] || skip "pid $dead was reused at once; cannot name a missing process"
# shellcheck disable=SC2086  # XPLEDGE_RUN_FLAGS is a list of flags
xp_cmd attach $XPLEDGE_RUN_FLAGS --pid "$dead"
assert_exit 125
assert_line "$T/err" "xpledge: error: cannot attach to $dead: no such process"

note "a process another tracer already holds"
xp_bg "$T/run.out" "$T/run.err" -p "$POLICIES/allow_all.yaml" -- "$VICTIMS/unlink_loop" "$T/absent"
wait_for_file "$T/run.out" 5
vpid=$(sed -n 's/^pid=//p' "$T/run.out")
[ -n "$vpid" ] || fail "the victim under xpledge run printed no pid"
# shellcheck disable=SC2086
xp_cmd attach $XPLEDGE_RUN_FLAGS --pid "$vpid"
assert_exit 125
assert_contains "$T/err" \
  "^xpledge: error: cannot attach to $vpid: ptrace\(PTRACE_SEIZE\): Operation not permitted \(.*already traced by pid $XP_PID"
kill -TERM "$XP_PID"
wait_bg "$XP_PID" 10
exit 0
