#!/usr/bin/env bash
# Review 2 of issue 15: rseq takes a thread out of the Landlock nesting chain. The chain rewinds
# the thread to its `syscall` instruction for each injected step; an rseq critical section around
# that instruction makes the kernel move the thread to the section's abort handler on its way
# back to user mode (it was scheduled out at the ptrace stop), signals blocked or not. The handler
# execs: the thread's NestChain survives the exec (on_exec resets the process's chain count, not
# the thread's chain), so in seccomp mode the new image's first call is taken for a "foreign"
# call at its entry stop and resumed; the execpromises filter is not stacked before it runs, and
# a call the old promises' filter allows (listen, promise inet) runs unseen in an image whose
# execpromises are "stdio". Variant reach (both modes): the re-exec'd image's main thread keeps
# the chain, so it never catches up with a narrowing made by another thread, and opens the
# unpledged parent's /proc/PPID/mem read-write and writes into it (test_pledge_reach's attack).
# Variant park (seccomp mode hang): the chain that never ends keeps the process's chain count at
# 1, and another thread's xpledge() is parked for ever.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
abi=$(python3 -c 'import ctypes;l=ctypes.CDLL(None);print(l.syscall(444,None,0,1))' 2>/dev/null)
[ "${abi:-0}" -ge 1 ] 2>/dev/null || skip "no Landlock on this kernel: no nesting chain to attack"
OPEN_FINDING="nest_rseq: an rseq abort handler leaves the nesting chain and execs; the thread keeps its chain: the new image skips its execpromises filter (seccomp mode) and never nests (both modes: /proc/PPID/mem written)"
hx -p "$POLICIES/path_race.yaml" -- "$A/nest_rseq" "$A/nest_rseq_stage2"
note "$(cat "$T/out")"
grep -q '^SKIP exec: ' "$T/out" && skip "$(grep '^SKIP exec: ' "$T/out")"
assert_held
assert_ok control exec reach-control reach park
exit 0
