#!/usr/bin/env bash
# Issue 6 / 3: the path scratch segment holds the paths the sandboxed program opens, so no other
# local user may attach it; a tracee that drops to another user still attaches it (its
# path-checked calls are pinned, not refused), also when two such users attach at once.
# Needs root: the attacker and the tracees that drop privileges are other users.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
XP_TIMEOUT=60
[ "$(id -u)" -eq 0 ] || skip "not running as root: no other local user to attack from or drop to"
[ -r /proc/sysvipc/shm ] || skip "no /proc/sysvipc/shm: System V shm is not available here"
echo allowed >"$T/allowed"
echo secret >"$T/forbiddn"
chmod 0644 "$T/allowed" "$T/forbiddn"

# 1. Another user, while a root tracee holds the segment attached: EACCES.
xp_bg "$T/out" "$T/err" -p "$POLICIES/path_race.yaml" -- "$A/scratch_peek" hold "$T"
wait_for_file "$T/ready" 20
grep -q 'path scratch' "$T/err" && fail "no scratch segment: $(cat "$T/err")"
"${AS_USER[@]}" "$A/scratch_peek" peek "$XP_PID" >"$T/peek" 2>&1
peek_rc=$?
touch "$T/done"
wait_bg "$XP_PID" 40
note "$(cat "$T/peek")"
grep -q '^BYPASS ' "$T/peek" && fail "another user read the scratch segment: $(cat "$T/peek")"
grep -q '^ok scratch-peek: .*errno=EACCES' "$T/peek" || fail "peek did not run: $(cat "$T/peek")"
[ "$peek_rc" -eq 0 ] || fail "peek exited $peek_rc: $(cat "$T/peek")"
assert_exit 0
assert_contains "$T/out" '^ok scratch-hold'

# 2. A tracee that drops to nobody attaches it and is pinned: the allowed file opens (not
# EAGAIN), the forbidden one gets the rule's EUCLEAN.
hx -p "$POLICIES/path_race.yaml" -- "${AS_USER[@]}" cat "$T/allowed" "$T/forbiddn"
assert_exit 1
assert_line "$T/out" allowed
assert_contains "$T/err" "forbiddn: Structure needs cleaning"
assert_not_contains "$T/err" "Resource temporarily unavailable"
assert_not_contains "$T/err" "cannot attach the path scratch area"

# 3. Two other users attaching at once take turns as the segment's owner: none is refused.
# One output file per cat: concurrent cats appending to one file lose lines even natively.
cat >"$T/pairs.sh" <<SH
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  setpriv --reuid=65534 --regid=65534 --clear-groups cat "$T/allowed" >"$T/w/nobody.\$i" &
  setpriv --reuid=1 --regid=1 --clear-groups cat "$T/allowed" >"$T/w/daemon.\$i" &
done
wait
SH
hx -p "$POLICIES/path_race.yaml" -- /bin/sh "$T/pairs.sh"
assert_exit 0
assert_not_contains "$T/err" "cannot attach the path scratch area"
assert_not_contains "$T/err" "Resource temporarily unavailable"
cat "$T"/w/nobody.* "$T"/w/daemon.* >"$T/pairs.out"
assert_count "$T/pairs.out" '^allowed$' 40
exit 0
