#!/usr/bin/env bash
# Issue 15, items 2 and 3: a pledge holds in the kernel's filter too. execpromises are stacked as
# a filter at exec; the injected pledge filter is verified installed (the tracee's own filter
# cannot fake its seccomp() with RET_ERRNO|0) and read by the kernel from the read-only scratch
# area (a sibling thread cannot swap the program). Under an allow-all policy, only the pledge
# refuses socket(), mkdir and fork here.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
XP_TIMEOUT=60
hx -p "$POLICIES/allow_all.yaml" -- "$A/pledge_holes" "$T"
note "$(cat "$T/out")"
assert_held
assert_ok exec/socket exec/mkdir exec/fork fake-race fork-busy swap
grep -q '^ok fake: xpledge refused' "$T/out" || assert_ok fake/socket fake/mkdir fake/fork
[ ! -e "$T/exec.made" ] || fail "the exec'd image made a directory"
assert_logged "deny pid=[0-9]+ (tid=[0-9]+ )?comm=pledge_holes socket\\(.* = -1 EPERM rule=pledge"
exit 0
