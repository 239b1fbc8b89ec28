#!/usr/bin/env bash
# Issue 6 / 4: a fork bomb under RLIMIT_NPROC=300 (prlimit; unprivileged, as nobody when the
# tests run as root, since root ignores the limit), with a hard cap of 400 processes in the bomb
# itself and a 20 s alarm in every process: fork starts failing (EAGAIN), every process that
# exists makes a denied call (EUCLEAN, logged), the supervisor survives and exits with status 0.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
XP_TIMEOUT=120
command -v prlimit >/dev/null 2>&1 || skip "prlimit (util-linux) is missing"
limit=300
if [ "$(id -u)" -ne 0 ]; then
  # Our own uid's processes count against the limit too: leave 300 above what is in use.
  limit=$(($(ps -L -u "$(id -u)" --no-headers 2>/dev/null | wc -l) + 300))
fi

# Every denial is counted below: no rate limit on stderr (issue 20's default is 200/s).
hx --as-user --nproc="$limit" --log-rate-limit 0 -p "$POLICIES/deny_getppid.yaml" -- "$A/fork_bomb" 400 EUCLEAN
assert_exit 0
line=$(grep '^forks=' "$T/out") || fail "the bomb printed no summary"
forks=$(field "$T/out" forks)
eagain=$(field "$T/out" eagain)
denied=$(field "$T/out" denied)
note "$line"
assert_line "$T/out" "forks=$forks eagain=$eagain denied=$((forks + 1)) wrong=0"
[ "$forks" -ge 50 ] || fail "only $forks forks: the bomb did not go off"
[ "$forks" -lt 400 ] || fail "$forks forks: above the cap"
assert_count "$T/err" '^xpledge: deny pid=[0-9]+ comm=fork_bomb getppid\(\) = -1 EUCLEAN rule=deny\[0\]@' "$denied"
exit 0
