#!/usr/bin/env bash
# Issue 6 / 4: the supervisor's memory does not grow with the number of calls it handles:
# 200000 denied calls (log to /dev/null), resident set size read after the first 20000 and after
# all of them: it may grow by at most 1 MiB (allocator noise), not per call.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
skip_if_asan
XP_TIMEOUT=240
N=200000
mark=$T/w/mark

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

xp_bg "$T/out" "$T/err" --log-file /dev/null -p "$POLICIES/deny_getppid.yaml" -- \
  "$A/deny_flood" "$N" EUCLEAN "$mark"
deadline=$((SECONDS + 120))
until [ -e "$mark.1" ]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "the first $((N / 10)) calls did not finish in 120 s"
  sleep 0.05
done
rss1=$(rss_kib "$XP_PID")
until [ -e "$mark.2" ]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "$N calls did not finish in 120 s"
  sleep 0.05
done
rss2=$(rss_kib "$XP_PID")
wait_bg "$XP_PID" 30
assert_exit 0
assert_line "$T/out" "denied=$N wrong=0"
note "supervisor RSS: ${rss1} KiB after $((N / 10)) denials, ${rss2} KiB after $N"
[ $((rss2 - rss1)) -le 1024 ] ||
  fail "the supervisor grew by $((rss2 - rss1)) KiB over $((N - N / 10)) denied calls (${rss1} -> ${rss2} KiB)"
exit 0
