#!/usr/bin/env bash
# Pinned argument registers (attacks/pinned_regs.c): after a call whose path or address the
# supervisor pinned in the scratch area (or whose open it made an openat2), the program sees its
# own argument registers again, as the kernel keeps them; a call restarted after a signal
# handler's own pinned call still opens what it named. Natively every variant holds.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
[ -r /proc/sysvipc/shm ] || skip "no /proc/sysvipc/shm: System V shm is not available here"
echo data >"$T/file"
mkfifo "$T/fifo"

native "$A/pinned_regs" "$T" paths
grep -q '^ok restart-target' "$T/nout" || fail "natively: $(cat "$T/nout" "$T/nerr")"

# A path rule on openat and open: their paths are checked and pinned.
hx -p "$POLICIES/pinned_regs.yaml" -- "$A/pinned_regs" "$T" paths
note "$(cat "$T/out")"
assert_held
assert_ok openat open restart restart-target

# Unveiled: every path and socket address is checked and pinned.
hx -p "$POLICIES/allow_all.yaml" -- "$A/pinned_regs" "$T" unveil
note "$(cat "$T/out")"
assert_held
assert_ok openat open restart restart-target connect
exit 0
