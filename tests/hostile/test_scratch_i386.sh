#!/usr/bin/env bash
# Review of issue 15: the path scratch area swapped through i386 mmap (nr 90, old_mmap), whose
# one argument is a pointer to {addr, len, prot, flags, fd, offset}: the guard reads flags from a
# register and misses MAP_FIXED. Needs a policy whose `abis` allow i386. A control variant
# (i386 mmap2, flags in a register) must be refused by guard:path-scratch.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
[ -r /proc/sysvipc/shm ] || skip "no /proc/sysvipc/shm: System V shm is not available here"
ia32_or_skip
echo allowed >"$T/allowed"
echo secret >"$T/forbiddn"
hx -p "$POLICIES/path_race_i386.yaml" -- "$A/scratch_i386" "$T"
note "$(cat "$T/out")"
assert_held
assert_ok old-mmap-fixed mmap2-fixed munmap shmdt ipc-shmdt shmat-remap
assert_logged "deny pid=[0-9]+ (tid=[0-9]+ )?comm=scratch_i386 \[i386\] mmap2\(.* = -1 EPERM .*guard:path-scratch"
exit 0
