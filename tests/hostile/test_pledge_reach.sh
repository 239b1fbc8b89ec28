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

# Landlock nests 16 domains: the sandbox's own and 15 narrowings; the 16th fails closed (EPERM,
# logged), it does not narrow the promises without the domain.
steps=()
cur="chown cpath dns dpath exec fattr flock id inet proc prot_exec recvfd rpath sendfd settime stdio tmppath tty unix unveil vminfo wpath"
for w in $cur; do
  [ "$w" = stdio ] && continue
  cur=$(echo " $cur " | sed "s/ $w / /")
  steps+=("pledge:$cur")
done
hx -- "$VICTIMS/../pledge_victims/pledge_steps" "${steps[@]:0:16}"
[ "$(grep -c '^pledge:.* = ok$' "$T/out")" -eq 15 ] || fail "expected 15 narrowings to succeed"
[ "$(grep -c '^pledge:.* = EPERM$' "$T/out")" -eq 1 ] || fail "expected the 16th narrowing to fail"
assert_logged "error: pid [0-9]+: cannot nest its Landlock domain .*restrict_self -7"
exit 0
