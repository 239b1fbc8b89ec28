#!/usr/bin/env bash
# Issue 21: a new task's thread group is asked of the kernel (tgkill(TGID, TID, 0)), never
# inferred from the event that reported it. A CLONE_THREAD clone with exit signal SIGCHLD is
# reported as a fork event yet is a thread of the pledged process; a clone with exit signal
# SIGUSR1 is reported as a clone event yet is a process of its own. Under an allow-all policy
# only the pledge refuses the opens.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
hx -p "$POLICIES/allow_all.yaml" -- "$A/fork_event_thread"
note "$(cat "$T/out")"
assert_held
assert_ok thread-as-fork process-as-clone
# The thread's refusal names its own tid: it was judged as a thread of the pledged process.
assert_logged "deny pid=([0-9]+) tid=[0-9]+ comm=fork_event_thre[a-z]* openat\\(.*/etc/passwd.* = -1 EPERM rule=pledge"
exit 0
