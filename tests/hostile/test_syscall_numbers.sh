#!/usr/bin/env bash
# Issue 6 / 4, issue 23: syscall numbers no table has (negative, 0x7fffffff, unassigned, around
# 10000 and 10001), with and without garbage arguments, under `default: deny`. Numbers with the x32 bit are
# x32 calls, denied with EUCLEAN by the policy's `abi` rule and logged per call; the others are
# unknown numbers: ENOSYS (not the policy's EUCLEAN) and one warning per number, not per call.
# The kernel would answer them ENOSYS too: the warnings are what prove the supervisor did.
# 1<<40 runs as read(-1) (the kernel uses the low 32 bits). The supervisor survives.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"

hx -p "$POLICIES/default_deny.yaml" -- "$A/syscall_numbers" EUCLEAN
assert_held
for n in -5 -1000000 2147483647 400 471 500 1000 9999 10002; do
  assert_ok "syscall-$n" "syscall-$n-garbage"
done
assert_ok "syscall-1<<40"
assert_count "$T/err" '^xpledge: deny pid=[0-9]+ comm=syscall_numbers .* = -1 EUCLEAN rule=abi@' 6
for n in 400 471 500 1000 9999 10002; do
  assert_count "$T/err" "^xpledge: warning: pid [0-9]+ comm=syscall_numbers: syscall_$n\\(.*\\) = -1 ENOSYS: not a system call this build knows .*logged once per number" 1
done
# Once per number: no deny record per call for them.
assert_count "$T/err" 'ENOSYS rule=unknown' 0

# The same under the embedded `default: allow` policy: unknown still means refused.
hx -- "$A/syscall_numbers" EPERM
assert_count "$T/err" "^xpledge: warning: pid [0-9]+ comm=syscall_numbers: syscall_471\\(.*\\) = -1 ENOSYS" 1

# A walk through 1500 distinct unknown numbers: every one refused, a warning for each of the
# first 1024 (the supervisor remembers no more: its memory must not grow with the calls), an
# ordinary deny record per call after that.
hx --log-rate-limit 0 -- "$A/syscall_numbers" walk 1500
assert_held
assert_ok walk
assert_count "$T/err" "^xpledge: warning: pid [0-9]+ comm=syscall_numbers: syscall_[0-9]+\\(.*\\) = -1 ENOSYS: not a system call" 1024
assert_count "$T/err" "^xpledge: deny pid=[0-9]+ comm=syscall_numbers syscall_[0-9]+\\(.* = -1 ENOSYS rule=unknown" 476
exit 0
