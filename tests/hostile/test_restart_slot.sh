#!/usr/bin/env bash
# Review of issue 15 (correctness, not an escape): a path-checked call restarted after a signal
# handler made its own path-checked call on the same thread reads the handler's path from the
# shared pinned slot, and opens the wrong file. Natively the FIFO is opened.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
OPEN_FINDING="a restarted path call reads the path its signal handler pinned in the same slot"
[ -r /proc/sysvipc/shm ] || skip "no /proc/sysvipc/shm: System V shm is not available here"
echo allowed >"$T/allowed"
mkfifo "$T/fifo"
(sleep 2.5; timeout 4 cat "$T/fifo" >/dev/null) &
native "$A/restart_slot" "$T"
grep -q '^ok restart' "$T/nout" || fail "natively the restarted open did not reach the FIFO: $(cat "$T/nout" "$T/nerr")"
wait
(sleep 2.5; timeout 4 cat "$T/fifo" >/dev/null) &
hx -p "$POLICIES/path_race.yaml" -- "$A/restart_slot" "$T"
wait
note "$(cat "$T/out")"
assert_held
assert_ok restart
exit 0
