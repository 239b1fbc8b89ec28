#!/usr/bin/env bash
# Issue 15, item 4: a pledged process cannot reach into an unpledged one. Each narrowing puts
# every thread of the process into a nested Landlock domain, whose ptrace scoping the kernel
# enforces: /proc/PPID/mem of the unpledged parent cannot be opened, from the thread that pledged
# or from one that was blocked or spinning while it did.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
abi=$(python3 -c 'import ctypes;l=ctypes.CDLL(None);print(l.syscall(444,None,0,1))' 2>/dev/null)
[ "${abi:-0}" -ge 1 ] 2>/dev/null || skip "no Landlock on this kernel: sandbox members reach each other (docs/SECURITY.md)"
# Natively (no pledge at all) the child does open its parent's memory: the check is real.
native "$A/pledge_reach" child
grep -q '^BYPASS child' "$T/nout" || fail "natively the child could not open /proc/PPID/mem: $(cat "$T/nout" "$T/nerr")"
hx -p "$POLICIES/allow_all.yaml" -- "$A/pledge_reach"
note "$(cat "$T/out")"
assert_held
assert_ok child thread-blocked thread-spin
exit 0
