#!/usr/bin/env bash
# Review of issue 15: a signal handler run between two calls of the Landlock nesting chain that a
# narrowing xpledge() starts with (the supervisor rewinds the thread to `syscall` for each next
# injected call, and a pending signal was delivered first). The handler's own call (an openat the
# policy denies) was taken for the injected one and ran unchecked. Now the chain blocks signals
# first, a stop counts as the chain's only if it is the reissued call (number, argument,
# instruction pointer), and a thread with seccomp filters of its own does not start a chain.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
XP_TIMEOUT=180
abi=$(python3 -c 'import ctypes;l=ctypes.CDLL(None);print(l.syscall(444,None,0,1))' 2>/dev/null)
[ "${abi:-0}" -ge 1 ] 2>/dev/null || skip "no Landlock on this kernel: no nesting chain to attack"
echo secret >"$T/forbiddn"
hx -p "$POLICIES/path_race.yaml" -- "$A/nest_signal" "$T"
note "$(cat "$T/out")"
assert_held
assert_ok sigsys sigsys-untraced child pledged
exit 0
