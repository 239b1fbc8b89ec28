#!/usr/bin/env bash
# The harness itself: a subshell killed before it has reset the traps it forked with runs the
# test's EXIT trap. lib.sh's cleanup must then leave $T alone, or a test's out/err vanish under
# load (seen in CI-like runs of test_exit_codes and test_signal_supervisor). Not an xpledge test:
# every other test's evidence depends on it.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"

echo kept >"$T/evidence"
for i in $(seq 1 300); do
  ( sleep 5 ) </dev/null >/dev/null 2>&1 &
  w=$!
  kill "$w" 2>/dev/null
  wait "$w" 2>/dev/null
  [ -f "$T/evidence" ] || { echo "FAIL [$TEST_NAME]: \$T removed by a killed subshell's EXIT trap (round $i)" >&2; exit 1; }
done
# The watcher of every xp run is such a subshell.
for i in $(seq 1 20); do
  xp -p "$POLICIES/allow_all.yaml" -- true
  assert_exit 0
done
[ -f "$T/evidence" ] || fail "\$T removed during xp runs"
exit 0
