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
# reader_after_handler ERR: open the FIFO for reading once the attack's stderr (ERR) says its
# handler interrupted the blocked open, so that the open is restarted after the handler
# (up to XP_TIMEOUT; a run that never says so then fails on its own).
reader_after_handler() {
  local deadline=$((SECONDS + XP_TIMEOUT))
  until grep -q '^handler ran during the open$' "$1" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || return 0
    sleep 0.05
  done
  timeout 10 cat "$T/fifo" >/dev/null
}
rm -f "$T/nerr"
reader_after_handler "$T/nerr" &
native "$A/restart_slot" "$T"
grep -q '^ok restart' "$T/nout" || fail "natively the restarted open did not reach the FIFO: $(cat "$T/nout" "$T/nerr")"
wait
rm -f "$T/err"
reader_after_handler "$T/err" &
hx -p "$POLICIES/path_race.yaml" -- "$A/restart_slot" "$T"
wait
assert_contains "$T/err" '^handler ran during the open$'
note "$(cat "$T/out")"
assert_held
assert_ok restart
exit 0
