#!/usr/bin/env bash
# Issue 6 / 4: 2000 threads alive at once, released together, each making one denied call: all
# 2000 are denied (EUCLEAN) and logged, the supervisor exits normally.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
XP_TIMEOUT=240
N=2000
limit=$(ulimit -u)
if [ "$limit" != unlimited ] && [ "$(id -u)" -ne 0 ]; then
  used=$(ps -L -u "$(id -u)" --no-headers 2>/dev/null | wc -l)
  [ $((limit - used)) -gt $((N + 50)) ] ||
    skip "RLIMIT_NPROC ($limit, $used tasks in use) leaves no room for $N threads"
fi

# Every denial is counted below: no rate limit on stderr (issue 20's default is 200/s).
hx --log-rate-limit 0 -p "$POLICIES/deny_getppid.yaml" -- "$A/thread_flood" "$N" EUCLEAN
assert_exit 0
assert_line "$T/out" "threads=$N denied=$N wrong=0"
assert_count "$T/err" '^xpledge: deny pid=[0-9]+ tid=[0-9]+ comm=thread_flood getppid\(\) = -1 EUCLEAN rule=deny\[0\]@' "$N"
exit 0
