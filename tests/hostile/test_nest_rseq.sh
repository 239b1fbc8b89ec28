#!/usr/bin/env bash
# Review 2 of issue 15: rseq takes a thread out of the Landlock nesting chain. The chain rewinds
# the thread to its `syscall` instruction for each injected step; an rseq critical section around
# that instruction makes the kernel move the thread to the section's abort handler on its way
# back to user mode (it was scheduled out at the ptrace stop), signals blocked or not. The handler
# execed, and the thread's chain survived the exec: in seccomp mode the new image's first call
# ran before its execpromises filter was stacked (variant exec); the re-exec'd image's thread
# never caught up with another thread's narrowing and wrote its unpledged parent's memory
# (variant reach); a handler that longjmp'd kept the chain count at 1 and another thread's
# xpledge() was parked for ever (variant park). Now an exec ends whatever the thread was inside,
# and a stop of the thread's own while its signals are blocked inside a chain (it left the chain
# by itself) kills its process.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
abi=$(python3 -c 'import ctypes;l=ctypes.CDLL(None);print(l.syscall(444,None,0,1))' 2>/dev/null)
[ "${abi:-0}" -ge 1 ] 2>/dev/null || skip "no Landlock on this kernel: no nesting chain to attack"
hx -p "$POLICIES/path_race.yaml" -- "$A/nest_rseq" "$A/nest_rseq_stage2"
note "$(cat "$T/out")"
grep -q '^SKIP exec: ' "$T/out" && skip "$(grep '^SKIP exec: ' "$T/out")"
assert_held
assert_ok control exec reach-control reach park
exit 0
