#!/usr/bin/env bash
# Issue 6 / 4: 1000 execve in a row (each image makes one denied call and executes the next):
# every image is still supervised (1001 denials, logged), the supervisor exits normally.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
XP_TIMEOUT=240
N=1000

# Every denial is counted below: no rate limit on stderr (issue 20's default is 200/s).
hx --log-rate-limit 0 -p "$POLICIES/deny_getppid.yaml" -- "$A/exec_loop" "$N" EUCLEAN
assert_exit 0
assert_line "$T/out" "execs done"
assert_count "$T/err" '^xpledge: deny pid=[0-9]+ comm=exec_loop getppid\(\) = -1 EUCLEAN rule=deny\[0\]@' $((N + 1))
exit 0
