# shellcheck shell=bash
# Shared helpers of the integration tests. Each test_*.sh sources this file; ctest provides
#   XPLEDGE    the xpledge binary under test
#   VICTIMS    the directory of the built victims (tests/victims/*.c)
#   TESTS_SRC  this directory (policies/ lives here)
# and optionally
#   XPLEDGE_RUN_FLAGS  extra flags for every `xpledge run` (e.g. --no-seccomp), word-split.
# A test exits 0 (pass), 77 (skip, with the reason on stderr) or anything else (fail).

set -u

: "${XPLEDGE:?XPLEDGE must name the xpledge binary}"
: "${VICTIMS:?VICTIMS must name the victims directory}"
: "${TESTS_SRC:?TESTS_SRC must name tests/integration}"
XPLEDGE_RUN_FLAGS=${XPLEDGE_RUN_FLAGS:-}

TEST_NAME=$(basename "$0" .sh)
# Canonical paths: xpledge may print either the path it was given or a resolved one; with
# symlink-free absolute paths both are the same string.
# shellcheck disable=SC2034  # used by the tests that source this file
POLICIES=$(cd "$TESTS_SRC/policies" && pwd -P) || exit 1

# Per-test temporary directory, removed on exit. Processes listed in _xp_bg_pids (xp_bg's
# xpledge, victims whose pid a test learnt) are SIGKILLed when a test fails or skips, so that a
# failure leaves nothing running; a passing test has already waited for all of them.
T=$(mktemp -d "${TMPDIR:-/tmp}/xpledge-$TEST_NAME.XXXXXX") || exit 1
T=$(cd "$T" && pwd -P) || exit 1
_xp_bg_pids=()
# Whether this is the test's own shell. A subshell (xp's watcher, any `( ... ) &`) killed by a
# signal before it has reset the traps it forked with runs the EXIT trap too: it removed $T under
# the test's feet ("out/err vanished", seen under load; a loop of `( sleep 5 ) & kill $!`
# reproduces it within a few rounds). $BASHPID is no answer then (it still read the parent's pid
# in that window): the kernel's is, read by a builtin in this very process.
_xp_main_shell() {
  local pid _
  read -r pid _ </proc/self/stat && [ "$pid" = "$$" ]
}
_xp_cleanup() {
  local status=$? p
  _xp_main_shell || return 0
  if [ "$status" -ne 0 ]; then
    for p in "${_xp_bg_pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  fi
  rm -rf "$T"
}
trap _xp_cleanup EXIT

# Seconds an xpledge run may take before it counts as a hang (override per test).
XP_TIMEOUT=${XP_TIMEOUT:-20}

# No core files from victims that die of SIGSEGV/SIGQUIT.
ulimit -c 0 2>/dev/null

# --- reporting ---------------------------------------------------------------------------------

# fail MSG: print MSG (and the output of the last xp run, if any) and exit 1.
fail() {
  echo "FAIL [$TEST_NAME]: $*" >&2
  if [ -n "${XP_LAST_CMD:-}" ]; then
    echo "--- last run: $XP_LAST_CMD (exit ${rc:-?})" >&2
    [ -f "$T/out" ] && { echo "--- stdout:" >&2; head -c 4000 "$T/out" >&2; }
    [ -f "$T/err" ] && { echo "--- stderr:" >&2; head -c 4000 "$T/err" >&2; }
    [ -s "$T/hang" ] && { echo "--- a second before the limit:" >&2; head -c 8000 "$T/hang" >&2; }
    echo "---" >&2
  fi
  exit 1
}

# skip MSG: the test cannot run here; say why, loudly, and exit 77 (ctest: skipped).
skip() {
  echo "SKIP: [$TEST_NAME] $*" >&2
  exit 77
}

# note MSG: progress line on stderr (shown by ctest --output-on-failure).
note() { echo "[$TEST_NAME] $*" >&2; }

# --- assertions --------------------------------------------------------------------------------

# assert_eq EXPECTED ACTUAL [WHAT]
assert_eq() {
  [ "$1" = "$2" ] || fail "${3:-value}: expected '$1', got '$2'"
}

# assert_contains FILE ERE: some line of FILE matches the extended regex.
assert_contains() {
  grep -Eq -- "$2" "$1" || fail "$(basename "$1") has no line matching /$2/"
}

# assert_not_contains FILE ERE: no line of FILE matches.
assert_not_contains() {
  ! grep -Eq -- "$2" "$1" || fail "$(basename "$1") has a line matching /$2/: $(grep -E -m1 -- "$2" "$1")"
}

# assert_line FILE LINE: FILE has a line equal to LINE (no regex).
assert_line() {
  grep -Fxq -- "$2" "$1" || fail "$(basename "$1") has no line equal to: $2"
}

# assert_count FILE ERE N: exactly N lines of FILE match.
assert_count() {
  local n
  n=$(grep -Ec -- "$2" "$1")
  [ "$n" -eq "$3" ] || fail "$(basename "$1"): expected $3 lines matching /$2/, found $n"
}

# assert_empty FILE
assert_empty() {
  [ ! -s "$1" ] || fail "$(basename "$1") should be empty, has: $(head -c 2000 "$1")"
}

# assert_lines FILE N: FILE has exactly N lines.
assert_lines() {
  local n
  n=$(wc -l <"$1")
  [ "$n" -eq "$2" ] || fail "$(basename "$1"): expected $2 lines, found $n"
}

# assert_exit EXPECTED: the last xp run exited EXPECTED.
assert_exit() {
  [ "$rc" -eq "$1" ] || fail "expected exit status $1, got $rc"
}

# --- helpers -----------------------------------------------------------------------------------

# re_escape STRING: STRING with ERE metacharacters escaped.
re_escape() {
  printf '%s' "$1" | sed 's/[][\.*^$+?(){}|/]/\\&/g'
}

# yaml_pos FILE TEXT: "LINE:COL" (1-based) of the first occurrence of TEXT in FILE, so tests can
# name the exact rule position without hard-coding line numbers that comments would shift.
yaml_pos() {
  awk -v t="$2" 'index($0, t) { print NR ":" index($0, t); found = 1; exit } END { exit !found }' "$1" \
    || fail "yaml_pos: '$2' not found in $1"
}

# rule_pos FILE NAME: "LINE:COL" of NAME as an item of a block list ("  - NAME"), i.e. where
# the rule that names NAME starts.
rule_pos() {
  awk -v n="$2" '$0 ~ "^[ ]*- " n "[ ]*$" { print NR ":" index($0, "- " n) + 2; found = 1; exit }
                 END { exit !found }' "$1" || fail "rule_pos: no list item '- $2' in $1"
}

# field FILE KEY: value of "KEY=value" in the first line of FILE that has it (values end at a
# space). E.g. field "$T/out" pid.
field() {
  grep -Eo -m1 -- "(^| )$2=[^ ]*" "$1" | sed 's/^ //; s/^[^=]*=//'
}

# --- running xpledge ---------------------------------------------------------------------------

# xp_run ARGS...: `xpledge run` with the mode flags of this suite run.
xp_run() {
  # shellcheck disable=SC2086  # XPLEDGE_RUN_FLAGS is a list of flags
  "$XPLEDGE" run $XPLEDGE_RUN_FLAGS "$@"
}

# proc_tree_dump PID: what PID and every process under it are doing, thread by thread: state,
# tracer, wait channel, current syscall and (as root) kernel stack. For a hang's failure message.
proc_tree_dump() {
  local pids=("$1") i=0 p t c
  while [ "$i" -lt "${#pids[@]}" ] && [ "$i" -lt 64 ]; do
    for c in $(ps -o pid= --ppid "${pids[$i]}" 2>/dev/null); do pids+=("$c"); done
    i=$((i + 1))
  done
  for p in "${pids[@]:0:64}"; do
    echo "pid $p: $(tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null | head -c 200)"
    for t in /proc/"$p"/task/*; do
      [ -d "$t" ] || continue
      echo "  tid ${t##*/} $(grep -E '^(State|TracerPid):' "$t/status" 2>/dev/null | tr -s '\t\n' '  ')wchan=$(cat "$t/wchan" 2>/dev/null) syscall=$(cut -d' ' -f1-3 "$t/syscall" 2>/dev/null)"
      head -6 "$t/stack" 2>/dev/null | sed 's/^/    /'
    done | head -40
  done
}

# _timed CMD...: CMD under `timeout -k 5 $XP_TIMEOUT`, stdin /dev/null, stdout $T/out, stderr
# $T/err, status in $rc. A second before the limit a watcher writes proc_tree_dump of it to
# $T/hang, which fail prints: a hang says where everything was stuck.
_timed() {
  rm -f "$T/hang"
  timeout -k 5 "$XP_TIMEOUT" "$@" >"$T/out" 2>"$T/err" </dev/null &
  local tpid=$! wpid
  (
    sleep $((XP_TIMEOUT > 2 ? XP_TIMEOUT - 1 : 1))
    proc_tree_dump "$tpid" >"$T/hang.tmp" 2>&1 && mv "$T/hang.tmp" "$T/hang"
  ) </dev/null >/dev/null 2>&1 &
  wpid=$!
  wait "$tpid"
  rc=$?
  pkill -P "$wpid" 2>/dev/null
  kill -9 "$wpid" 2>/dev/null  # no trap of any kind can run in it
  wait "$wpid" 2>/dev/null
  # Were anything to remove $T again (see _xp_main_shell), say so, not "out has no line ...".
  [ -e "$T/out" ] && [ -e "$T/err" ] ||
    fail "this run's out/err vanished from $T after it ended (status $rc): $(ls -la "$T" 2>&1 | head -8)"
  return 0
}

# xp ARGS...: xp_run under a timeout; stdout -> $T/out, stderr -> $T/err, status -> $rc.
# A hang is a failure, never a block.
xp() {
  XP_LAST_CMD="xpledge run $XPLEDGE_RUN_FLAGS $*"
  local start=$SECONDS
  # shellcheck disable=SC2086
  _timed "$XPLEDGE" run $XPLEDGE_RUN_FLAGS "$@"
  if [ "$rc" -eq 124 ] || { [ "$rc" -eq 137 ] && [ $((SECONDS - start)) -ge "$XP_TIMEOUT" ]; }; then
    fail "xpledge did not finish within ${XP_TIMEOUT}s (hang)"
  fi
}

# xp_cmd ARGS...: the xpledge binary with exactly ARGS (usage tests); captured like xp.
xp_cmd() {
  XP_LAST_CMD="xpledge $*"
  timeout -k 5 "$XP_TIMEOUT" "$XPLEDGE" "$@" >"$T/out" 2>"$T/err" </dev/null
  rc=$?
  [ "$rc" -ne 124 ] || fail "xpledge did not finish within ${XP_TIMEOUT}s (hang)"
}

# assert_same_as_native: the last xp run and the last native run wrote the same bytes on stdout
# and stderr and exited with the same status.
assert_same_as_native() {
  cmp -s "$T/nout" "$T/out" || fail "stdout differs from the native run:
$(diff "$T/nout" "$T/out" | head -40)"
  cmp -s "$T/nerr" "$T/err" || fail "stderr differs from the native run:
$(diff "$T/nerr" "$T/err" | head -40)"
  [ "$nrc" -eq "$rc" ] || fail "exit status differs: native $nrc, under xpledge $rc"
}

# native ARGS...: the same command without xpledge; stdout -> $T/nout, stderr -> $T/nerr,
# status -> $nrc.
native() {
  timeout -k 5 "$XP_TIMEOUT" "$@" >"$T/nout" 2>"$T/nerr" </dev/null
  nrc=$?
  [ "$nrc" -ne 124 ] || fail "native run of $* timed out"
}

# xp_bg OUT ERR ARGS...: start `xpledge run ARGS` in the background (no timeout wrapper, so that
# $XP_PID is xpledge itself and signals reach it directly). SIGINT and SIGQUIT are reset to their
# default first: a non-interactive shell starts background jobs with them ignored.
xp_bg() { xp_sub_bg run "$@"; }

# xp_sub_bg SUBCOMMAND OUT ERR ARGS...: xp_bg for another subcommand (attach) that takes run's
# mode flags.
xp_sub_bg() {
  local sub=$1 out=$2 err=$3
  shift 3
  XP_LAST_CMD="xpledge $sub $XPLEDGE_RUN_FLAGS $* (background)"
  # shellcheck disable=SC2086
  env --default-signal=INT,QUIT "$XPLEDGE" "$sub" $XPLEDGE_RUN_FLAGS "$@" >"$out" 2>"$err" </dev/null &
  XP_PID=$!
  _xp_bg_pids+=("$XP_PID")
}

# wait_bg PID SECS: wait for a background job started by this shell; status -> $rc. If it is
# still running after SECS seconds, SIGKILL it and fail.
wait_bg() {
  local pid=$1 deadline=$((SECONDS + $2))
  while kill -0 "$pid" 2>/dev/null && [ "$(proc_state "$pid")" != Z ]; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      kill -9 "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
      fail "process $pid did not exit within $2s (hang)"
    fi
    sleep 0.05
  done
  wait "$pid"
  rc=$?
}

# wait_for_file FILE SECS: fail unless FILE exists within SECS seconds.
wait_for_file() {
  local deadline=$((SECONDS + $2))
  until [ -s "$1" ]; do
    [ "$SECONDS" -lt "$deadline" ] || fail "$(basename "$1") did not appear within $2s"
    sleep 0.02
  done
}

# proc_state PID: the state letter of /proc/PID/stat (R, S, T, t, Z, ...), empty if gone.
proc_state() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  stat=${stat##*) }  # comm may contain spaces and parentheses: cut after the last ") "
  printf '%s' "${stat%% *}"
}

# tracer_of PID: the TracerPid of PID (0 if untraced).
tracer_of() {
  awk '/^TracerPid:/ { print $2 }' "/proc/$1/status" 2>/dev/null
}

# require_ptrace: skip when this environment cannot ptrace at all (no CAP_SYS_PTRACE, a seccomp
# filter, an outer tracer): then no xpledge test can mean anything.
require_ptrace() {
  local why
  if ! why=$("$VICTIMS/ptrace_probe" 2>&1); then
    skip "ptrace is not available here: $why"
  fi
}

# require_cmd NAME...: skip unless every NAME is on PATH.
require_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || skip "'$c' is not installed"
  done
}

[ -x "$XPLEDGE" ] || fail "xpledge binary '$XPLEDGE' does not exist or is not executable"
[ -x "$VICTIMS/try_call" ] || fail "victims are not built in '$VICTIMS'"
require_ptrace
