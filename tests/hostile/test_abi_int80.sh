#!/usr/bin/env bash
# Issue 6 / 1: i386 calls (`int $0x80` from a 64-bit program) under the default `abis`
# ([x86_64]) are all denied and logged with [i386]: getpid, open, kill(supervisor), execve,
# clone, socketcall. With i386 allowed as an ABI, socketcall (arguments in memory) is still
# refused by the guard unless a rule names it.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
ia32_or_skip
echo data >"$T/file"

hx -p "$POLICIES/default_abis.yaml" -- "$A/abi_int80" denied EUCLEAN "$T/file"
assert_held
assert_ok i386-getpid i386-open i386-kill-supervisor i386-execve i386-clone i386-socketcall-socket
for call in getpid open kill execve clone socketcall; do
  assert_logged "deny pid=[0-9]+ comm=abi_int80 \\[i386\\] $call\\(.* = -1 EUCLEAN rule=abi@"
done
assert_count "$T/err" '^xpledge: deny ' 6

# The embedded default policy: the same, with its EPERM.
hx -- "$A/abi_int80" denied EPERM "$T/file"
assert_held
assert_ok i386-getpid i386-open i386-kill-supervisor i386-execve i386-clone i386-socketcall-socket
assert_logged "deny pid=[0-9]+ comm=abi_int80 \\[i386\\] kill\\(.* = -1 EPERM rule=abi@<default>"
assert_count "$T/err" '^xpledge: deny .*\[i386\]' 6

# i386 allowed: socketcall still refused (guard), not by `abis`.
hx -p "$POLICIES/deny_getppid_i386.yaml" -- "$A/abi_int80" socketcall EPERM
assert_held
assert_ok i386-socketcall-socket
assert_logged "deny pid=[0-9]+ comm=abi_int80 \\[i386\\] socketcall\\(.* = -1 EPERM rule=guard:unchecked-io"
exit 0
