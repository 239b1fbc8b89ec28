#!/usr/bin/env bash
# Review of issue 15: execve from one thread while another is inside the supervisor's injected
# calls of a narrowing xpledge(). The exec swept the other thread's state away without resetting
# the process's in-flight counters, and the new image's xpledge() then waited at its stop for
# ever (xpledge never ended); now the exec resets them. The attack gives each new image 3 s.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
abi=$(python3 -c 'import ctypes;l=ctypes.CDLL(None);print(l.syscall(444,None,0,1))' 2>/dev/null)
[ "${abi:-0}" -ge 1 ] 2>/dev/null || skip "no Landlock on this kernel: no nesting chain to interrupt"
hx -p "$POLICIES/allow_all.yaml" -- "$A/exec_during_nest"
note "$(cat "$T/out")"
assert_held
assert_ok exec
exit 0
