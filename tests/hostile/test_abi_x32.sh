#!/usr/bin/env bash
# Issue 6 / 1: x32 calls (number | 0x40000000) are judged as x32, and under the default `abis`
# denied and logged with [x32]: getpid, getppid, kill(supervisor), openat, and 10000|bit (not
# SYS_xpledge). A kernel without x32 answers them ENOSYS natively; xpledge must still see and
# deny them (the stop happens before the kernel looks the number up).
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"

native "$A/abi_x32" probe
[ "$nrc" -eq 0 ] || fail "abi_x32 probe failed natively (exit $nrc): $(cat "$T/nerr")"
if grep -q 'errno=ENOSYS' "$T/nout"; then
  note "NOTE: this kernel has no x32 ABI (CONFIG_X86_X32_ABI off or x32 disabled): x32 calls" \
       "cannot run natively here, so only xpledge's denial and log are checked, not that an" \
       "allowed x32 call would have worked ($(cat "$T/nout"))"
fi

hx -p "$POLICIES/default_abis.yaml" -- "$A/abi_x32" denied EUCLEAN
assert_held
assert_ok x32-getpid x32-getppid x32-kill-supervisor x32-openat x32-xpledge-number
for call in getpid getppid kill openat; do
  assert_logged "deny pid=[0-9]+ comm=abi_x32 \\[x32\\] $call\\(.* = -1 EUCLEAN rule=abi@"
done
assert_count "$T/err" '^xpledge: deny pid=[0-9]+ comm=abi_x32 \[x32\] ' 5

hx -- "$A/abi_x32" denied EPERM
assert_held
assert_count "$T/err" '^xpledge: deny pid=[0-9]+ comm=abi_x32 \[x32\] .* = -1 EPERM rule=abi@<default>' 5
exit 0
