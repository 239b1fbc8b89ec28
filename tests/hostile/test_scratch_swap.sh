#!/usr/bin/env bash
# Issue 15, item 1: the path scratch area cannot be swapped for memory the program owns. After an
# allowed path-checked call attached it, munmap / shmdt / mmap(MAP_FIXED) / shmat(SHM_REMAP) /
# mremap over it are refused (guard:path-scratch, logged), and a fork child whose copy lost the
# area (madvise(MADV_DONTFORK)) and put writable memory there is not pointed at it: the
# supervisor checks the child's mappings before it pins there. Either way the denied file is
# never opened through an allowed call.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
[ -r /proc/sysvipc/shm ] || skip "no /proc/sysvipc/shm: System V shm is not available here"
echo allowed >"$T/allowed"
echo secret >"$T/forbiddn"

hx -p "$POLICIES/path_race.yaml" -- "$A/scratch_swap" "$T"
note "$(cat "$T/out")"
grep -q 'path scratch' "$T/err" && grep -q 'cannot create' "$T/err" && skip "no scratch segment: $(cat "$T/err")"
assert_held
assert_ok munmap shmdt mmap-fixed shmat-remap mremap-away mremap-onto dontfork
for call in munmap shmdt mmap shmat mremap; do
  assert_logged "deny pid=[0-9]+ (tid=[0-9]+ )?comm=scratch_swap $call\\(.* = -1 EPERM .*guard:path-scratch"
done
exit 0
