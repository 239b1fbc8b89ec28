#!/usr/bin/env bash
# Review of issue 15: a signal handler run between two calls of the Landlock nesting chain that a
# narrowing xpledge() starts with. The supervisor rewinds the thread to `syscall` for the next
# injected call; a pending signal is delivered first, and the handler's own call (an openat the
# policy denies) is taken for the injected one and runs unchecked.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
OPEN_FINDING="a signal handler's call between two injected nesting calls runs unchecked"
abi=$(python3 -c 'import ctypes;l=ctypes.CDLL(None);print(l.syscall(444,None,0,1))' 2>/dev/null)
[ "${abi:-0}" -ge 1 ] 2>/dev/null || skip "no Landlock on this kernel: no nesting chain to attack"
echo secret >"$T/forbiddn"
hx -p "$POLICIES/path_race.yaml" -- "$A/nest_signal" "$T"
note "$(cat "$T/out")"
assert_held
assert_ok sigsys sigsys-untraced child pledged
exit 0
