#!/usr/bin/env bash
# Issue 6 / 2: io_uring_setup/enter/register are denied even under `default: allow` (logged as
# guard:unchecked-io); the default policy denies them by rule; a policy that names
# io_uring_setup gets what it asked for (xpledge does not refuse it).
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"

hx -p "$POLICIES/allow_all.yaml" -- "$A/io_uring_calls" denied EPERM
assert_held
assert_ok io_uring_setup io_uring_enter io_uring_register
for call in io_uring_setup io_uring_enter io_uring_register; do
  assert_logged "deny pid=[0-9]+ comm=io_uring_calls $call\\(.* = -1 EPERM rule=guard:unchecked-io$"
done

hx -- "$A/io_uring_calls" denied EPERM
assert_held
assert_count "$T/err" '^xpledge: deny pid=[0-9]+ comm=io_uring_calls io_uring_[a-z]+\(.* = -1 EPERM rule=deny\[[0-9]+\]@<default>' 3

hx -p "$POLICIES/io_uring_named.yaml" -- "$A/io_uring_calls" named
assert_exit 0
assert_contains "$T/out" '^setup ret='
assert_not_contains "$T/err" 'io_uring_setup'
exit 0
