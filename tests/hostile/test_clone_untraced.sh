#!/usr/bin/env bash
# Issue 6 / 2: clone(CLONE_UNTRACED) must not create an untraced task: as a process (raw
# fork-like clone), with CLONE_VM, with CLONE_VFORK, as a thread (CLONE_THREAD), and through the
# i386 clone when i386 is allowed. The new task is traced (TracerPid) and its denied getppid
# still gets EUCLEAN; the supervisor logs each stripped flag (guard:clone-untraced).
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"

hx -p "$POLICIES/deny_getppid.yaml" -- "$A/clone_untraced" EUCLEAN fork vm vfork thread
assert_held
assert_ok untraced-fork untraced-vm untraced-vfork untraced-thread
assert_count "$T/err" '^xpledge: log pid=[0-9]+ comm=clone_untraced clone\(.*CLONE_UNTRACED.* rule=guard:clone-untraced$' 4
assert_count "$T/err" '^xpledge: deny pid=[0-9]+ .*getppid\(.* = -1 EUCLEAN rule=deny\[0\]@' 4

if ia32_available; then
  hx -p "$POLICIES/deny_getppid_i386.yaml" -- "$A/clone_untraced" EUCLEAN int80
  assert_held
  assert_ok untraced-int80
  assert_logged "log pid=[0-9]+ comm=clone_untraced \\[i386\\] clone\\(.* rule=guard:clone-untraced"
else
  note "SKIP (part): the i386 clone(CLONE_UNTRACED) variant did not run: $IA32_WHY"
fi
exit 0
