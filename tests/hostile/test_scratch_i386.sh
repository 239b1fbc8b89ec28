#!/usr/bin/env bash
# Review of issue 15: the path scratch area swapped through i386 mmap (nr 90, old_mmap), whose
# one argument is a pointer to {addr, len, prot, flags, fd, offset}: the guard reads flags from a
# register and missed MAP_FIXED; the direct i386 System V calls (396-398) were not guarded at all
# (libseccomp resolves their names to pseudo numbers), so the segment could be detached, remapped,
# or made writable (IPC_SET) and its pledge programs rewritten. Now names resolve through the
# number table and old_mmap is refused while a segment exists. Needs `abis` that allow i386.
# Controls (i386 mmap2, munmap, ipc(SHMDT): arguments in registers, names that resolve) must be
# refused by guard:path-scratch.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
[ -r /proc/sysvipc/shm ] || skip "no /proc/sysvipc/shm: System V shm is not available here"
ia32_or_skip
echo allowed >"$T/allowed"
echo secret >"$T/forbiddn"
hx -p "$POLICIES/path_race_i386.yaml" -- "$A/scratch_i386" "$T"
note "$(cat "$T/out")"
assert_held
assert_ok old-mmap-fixed mmap2-fixed munmap shmdt ipc-shmdt shmat-remap shmctl-writable pledge-program
assert_logged "deny pid=[0-9]+ (tid=[0-9]+ )?comm=scratch_i386 \[i386\] mmap2\(.* = -1 EPERM .*guard:path-scratch"
exit 0
