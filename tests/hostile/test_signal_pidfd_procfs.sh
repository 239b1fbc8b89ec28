#!/usr/bin/env bash
# Issue 6 / 2: pidfd_send_signal() accepts an fd of a /proc/<pid> directory as a pidfd, so a
# tracee can signal the supervisor without pidfd_open (which is guarded). SIGSTOP through it must
# not stop the supervisor; a refused call must be logged.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
OPEN_FINDING="pidfd_send_signal on an fd of /proc/<supervisor> reaches the supervisor"

hx_watch -p "$POLICIES/allow_all.yaml" -- "$A/signal_indirect" pidfd-procfs
assert_not_stopped
assert_held
assert_ok pidfd-procfs-SIGSTOP
if grep -q '^ok pidfd-procfs-SIGSTOP: errno=' "$T/out"; then
  assert_logged "deny pid=[0-9]+ comm=signal_indirect pidfd_send_signal\\(.* = -1 "
fi
exit 0
