#!/usr/bin/env bash
# Issue 6 / 2 and the default policy's promise to refuse "reaching into other processes": a
# tracee under the embedded default policy must not reach into a process of the same user that
# runs outside the sandbox (a bystander `sleep`): not through ptrace or process_vm_writev (denied
# by rule, logged), and not through /proc/PID/mem, pidfd_getfd or /proc/PID/fd either, which are
# plain openat and pidfd calls the default policy allows. Unprivileged (as nobody when the tests
# run as root), so only same-user rights are in play.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
OPEN_FINDING="under the default policy a tracee opens another same-user process's /proc/PID/mem read-write, steals its fds (pidfd_getfd) and reopens them (/proc/PID/fd)"

"${AS_USER[@]}" sleep 60 </dev/null >/dev/null 2>&1 &
bystander=$!
_xp_bg_pids+=("$bystander")
# On exit: the bystander goes, then lib.sh's cleanup runs with the test's own status.
# shellcheck disable=SC2154  # st is assigned inside the trap
trap 'st=$?; ! _xp_main_shell || kill -9 "$bystander" 2>/dev/null; (exit $st); _xp_cleanup' EXIT
# Wait for it to be asleep in sleep(1) itself (not still in setpriv), up to 10 s on a loaded machine.
for _ in $(seq 100); do
  [ "$(proc_state "$bystander")" = S ] && [ "$(cat "/proc/$bystander/comm" 2>/dev/null)" = sleep ] && break
  sleep 0.1
done
[ "$(proc_state "$bystander")" = S ] || fail "the bystander $bystander did not start"

hx --as-user -- "$A/reach_other" "$bystander"
assert_logged "deny pid=[0-9]+ comm=reach_other ptrace\\(.* = -1 EPERM rule=deny\\[[0-9]+\\]@<default>"
assert_logged "deny pid=[0-9]+ comm=reach_other process_vm_writev\\(.* = -1 EPERM rule=deny\\[[0-9]+\\]@<default>"
assert_held
assert_ok other-proc-mem-write other-pidfd-getfd other-proc-fd-reopen other-ptrace-seize \
  other-process-vm-writev
exit 0
