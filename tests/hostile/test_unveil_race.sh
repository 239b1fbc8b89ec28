#!/usr/bin/env bash
# Issue 19: SYS_xunveil against other threads and processes (attacks/unveil_race.c). In seccomp
# mode the first xunveil stacks the unveil filter into every thread (TSYNC) before it returns 0:
# an open another thread starts after that stops and is refused (ENOENT); a fork child that
# copied the table without the filter gets the view it forked with; vfork children share it.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
ROUNDS=${XP_UNVEIL_ROUNDS:-20}
mkdir -p "$T/open"
echo secret >"$T/hidden"

# Natively nothing hides the file: the attack's own check (the raw call is ENOSYS) says so.
native "$A/unveil_race" "$T" 1
grep -q '^ERROR thread-race' "$T/nout" || fail "the attack ran natively: $(cat "$T/nout")"

hx -p "$POLICIES/allow_all.yaml" -- "$A/unveil_race" "$T" "$ROUNDS"
note "$(cat "$T/out")"
assert_held
assert_ok thread-race fork-race fork-before vfork-child
if [ -z "${XPLEDGE_RUN_FLAGS:-}" ]; then
  ! grep -q "unveil filter was not installed\|cannot install the unveil filter" "$T/err" ||
    fail "the unveil filter failed: $(grep -m1 'unveil filter' "$T/err")"
fi
exit 0
