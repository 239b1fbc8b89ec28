#!/usr/bin/env bash
# Review of issue 15 (correctness, not an escape): a path-checked call restarted after a signal
# handler made its own path-checked call on the same thread read the handler's path from the
# shared pinned slot, and opened the wrong file. Natively the FIFO is opened; now too (the bytes
# of an interrupted pinned call are kept at the signal-delivery stop and put back at its restart).
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"

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
