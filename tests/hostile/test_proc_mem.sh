#!/usr/bin/env bash
# Issue 6 / 2: a tracee cannot read or write the supervisor's memory: /proc/SUP/mem (read,
# write, read-write, and via task/SUP/mem), process_vm_readv/writev, nor reach its open files
# through /proc/SUP/fd. Under the default policy (process_vm_* denied and logged) and under one
# that allows everything (the kernel refuses: the supervisor is non-dumpable). Runs without
# privileges (as nobody when the tests run as root): root ignores dumpability, see
# test_root_tracee.sh.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
names=(proc-mem-read proc-mem-write proc-mem-readwrite proc-task-mem-readwrite process-vm-readv
       process-vm-writev proc-fd-list)

hx --as-user -- "$A/proc_mem"
assert_held
assert_ok "${names[@]}"
assert_logged "deny pid=[0-9]+ comm=proc_mem process_vm_readv\\(.* = -1 EPERM rule=deny\\[[0-9]+\\]@<default>"
assert_logged "deny pid=[0-9]+ comm=proc_mem process_vm_writev\\(.* = -1 EPERM rule=deny\\[[0-9]+\\]@<default>"

hx --as-user -p "$POLICIES/allow_all.yaml" -- "$A/proc_mem"
assert_held
assert_ok "${names[@]}"
exit 0
