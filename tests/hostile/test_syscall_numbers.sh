#!/usr/bin/env bash
# Issue 6 / 4: syscall numbers no table has (negative, 0x7fffffff, unassigned, around 10000),
# with and without garbage arguments, under `default: deny`: each is denied with EUCLEAN and
# logged; 1<<40 runs as read(-1) (the kernel uses the low 32 bits). The supervisor survives.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"

hx -p "$POLICIES/default_deny.yaml" -- "$A/syscall_numbers" EUCLEAN
assert_held
for n in -5 -1000000 2147483647 500 1000 9999 10001; do
  assert_ok "syscall-$n" "syscall-$n-garbage"
done
assert_ok "syscall-1<<40"
assert_count "$T/err" '^xpledge: deny pid=[0-9]+ comm=syscall_numbers .* = -1 EUCLEAN rule=(default|abi)@' 14
exit 0
