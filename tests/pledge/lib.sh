# shellcheck shell=bash
# Helpers of the pledge conformance tests. ctest provides
#   XPLEDGE           the xpledge binary under test
#   PLEDGE_VICTIMS    the built victims (tests/pledge/*.c)
#   PLEDGE_TESTS_SRC  this directory (policies/ lives here)
# and optionally XPLEDGE_RUN_FLAGS, extra flags for every `xpledge run` (word-split).
# A test exits 0 (pass), 77 (skip, reason on stderr) or anything else (fail).
set -u
: "${XPLEDGE:?XPLEDGE must name the xpledge binary}"
: "${PLEDGE_VICTIMS:?PLEDGE_VICTIMS must name the pledge victims directory}"
: "${PLEDGE_TESTS_SRC:?PLEDGE_TESTS_SRC must name tests/pledge}"
XPLEDGE_RUN_FLAGS=${XPLEDGE_RUN_FLAGS:-}
V=$PLEDGE_VICTIMS
DENY=$PLEDGE_TESTS_SRC/policies/pledge_deny.yaml
KILL=$PLEDGE_TESTS_SRC/policies/pledge_kill.yaml
TEST_NAME=$(basename "$0" .sh)
T=$(mktemp -d "${TMPDIR:-/tmp}/xpledge-$TEST_NAME.XXXXXX") || exit 1
T=$(cd "$T" && pwd -P) || exit 1
# Only this shell removes $T: a subshell killed before it resets its traps runs the trap too
# (tests/integration/lib.sh, _xp_main_shell).
_main_shell() {
  local pid _
  read -r pid _ </proc/self/stat && [ "$pid" = "$$" ]
}
trap '! _main_shell || rm -rf "$T"' EXIT
ulimit -c 0 2>/dev/null
# A readable file every test may open; a second one to write to.
echo secret >"$T/readable"
: >"$T/writable"

fail() {
  echo "FAIL [$TEST_NAME]: $*" >&2
  if [ -n "${LAST_CMD:-}" ]; then
    echo "--- last run: $LAST_CMD (exit ${rc:-?})" >&2
    echo "--- stdout:" >&2; head -c 4000 "$T/out" >&2
    echo "--- stderr:" >&2; head -c 4000 "$T/err" >&2
    echo "---" >&2
  fi
  exit 1
}
skip() { echo "SKIP: [$TEST_NAME] $*" >&2; exit 77; }

# run ARGS...: ARGS without a supervisor; stdout -> $T/out, stderr -> $T/err, status -> $rc.
run() {
  LAST_CMD="$*"
  timeout -k 5 20 "$@" >"$T/out" 2>"$T/err" </dev/null
  rc=$?
  [ "$rc" -ne 124 ] || fail "timed out: $*"
}
# xp POLICY ARGS...: `xpledge run --policy POLICY -- ARGS`, captured like run.
xp() {
  local policy=$1
  shift
  # shellcheck disable=SC2086  # XPLEDGE_RUN_FLAGS is a list of flags
  run "$XPLEDGE" run $XPLEDGE_RUN_FLAGS --policy "$policy" -- "$@"
}

assert_exit() { [ "$rc" -eq "$1" ] || fail "expected exit status $1, got $rc"; }
# assert_line LINE: stdout has a line equal to LINE.
assert_line() { grep -Fxq -- "$1" "$T/out" || fail "stdout has no line: $1"; }
assert_no_line() { ! grep -Fxq -- "$1" "$T/out" || fail "stdout has the line: $1"; }
# assert_denied SYSCALL PROMISE: stderr logs the pledge violation of SYSCALL naming PROMISE.
assert_denied() {
  grep -Eq -- "^xpledge: (deny|kill) .*$1.*needs $2" "$T/err" ||
    fail "stderr has no 'xpledge: deny|kill ... $1 ... needs $2' line"
}
# assert_no_denial: stderr has no violation line at all.
assert_no_denial() {
  ! grep -Eq -- "^xpledge: (deny|kill) " "$T/err" || fail "unexpected denial: $(grep -E -m1 '^xpledge: (deny|kill) ' "$T/err")"
}
