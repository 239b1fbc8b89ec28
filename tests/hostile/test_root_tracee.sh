#!/usr/bin/env bash
# Issue 6 / 2, as root: the supervisor must protect itself "whatever the policy allows", also
# from a tracee that runs as root. Root has CAP_SYS_PTRACE, which overrides non-dumpability, so
# PTRACE_ATTACH/SEIZE of the supervisor (policy allowing ptrace) and /proc/SUP/mem and
# /proc/SUP/fd (allowed by the default policy: they are plain openat calls) are only refused if
# the supervisor itself refuses them. Skipped when not root (test_ptrace_supervisor.sh and
# test_proc_mem.sh cover the unprivileged case).
# In pure ptrace mode a successful attach shows up as a hang instead (the supervisor, stopped by
# its new tracer, cannot answer the attacker's next syscall stop): the timeout fails the test.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
OPEN_FINDING="a root tracee (CAP_SYS_PTRACE) can ptrace the supervisor and open its /proc/PID/mem"
XP_TIMEOUT=10
[ "$(id -u)" -eq 0 ] || skip "not running as root: the unprivileged case is test_ptrace_supervisor.sh / test_proc_mem.sh"

hx -p "$POLICIES/allow_all.yaml" -- "$A/ptrace_supervisor"
assert_held
assert_ok ptrace-attach-supervisor ptrace-seize-supervisor

hx -- "$A/proc_mem"
assert_held
assert_ok proc-mem-read proc-mem-write proc-mem-readwrite proc-task-mem-readwrite \
  process-vm-readv process-vm-writev proc-fd-list
exit 0
