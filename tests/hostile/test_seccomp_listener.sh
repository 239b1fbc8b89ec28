#!/usr/bin/env bash
# Issue 6 / 2: seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER) is refused
# with EPERM and logged (guard:seccomp-listener) whatever the policy allows, also with TSYNC; a
# filter without a listener still installs.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"

for policy in "$POLICIES/allow_all.yaml" ""; do
  hx ${policy:+-p "$policy"} -- "$A/seccomp_listener"
  assert_held
  assert_ok seccomp-new-listener seccomp-new-listener-tsync
  assert_line "$T/out" "plain filter installed"
  assert_count "$T/err" '^xpledge: deny pid=[0-9]+ comm=seccomp_listene seccomp\(.* = -1 EPERM rule=guard:seccomp-listener$' 2
done
exit 0
