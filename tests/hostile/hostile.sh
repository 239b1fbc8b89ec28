# shellcheck shell=bash
# Helpers of the hostile tests, on top of tests/integration/lib.sh (sourced below: fail, skip,
# assertions, $T, xp, xp_bg, wait_bg, proc_state...). ctest provides, besides lib.sh's XPLEDGE,
# VICTIMS, TESTS_SRC (= tests/hostile) and XPLEDGE_RUN_FLAGS:
#   ATTACKS  the directory of the built attack programs (tests/hostile/attacks/*.c)
#
# An attack program prints "ok NAME: ...", "BYPASS NAME: ..." or "SKIP NAME: ..." per variant
# and exits 0 (all held), 1 (a bypass) or 2 (set-up error); see attacks/attack.h.
# shellcheck source=../integration/lib.sh
. "$TESTS_SRC/../integration/lib.sh"
: "${ATTACKS:?ATTACKS must name the directory of the built attack programs}"
[ -x "$ATTACKS/abi_x32" ] || fail "attack programs are not built in '$ATTACKS'"
A=$ATTACKS

# A test of an attack that still gets through sets OPEN_FINDING to a one-line summary: its
# failure then says so first (tests/hostile/CMakeLists.txt lists them, docs/SECURITY.md explains).
OPEN_FINDING=
eval "_lib_$(declare -f fail)"
fail() {
  [ -z "$OPEN_FINDING" ] ||
    echo "OPEN FINDING (docs/SECURITY.md, 'Open findings'; label open-bypass): $OPEN_FINDING" >&2
  _lib_fail "$@"
}

# Files a tracee running as another user must reach: $T readable, $T/w writable by anyone.
chmod 0755 "$T"
mkdir -m 0777 "$T/w"

# --- running an attack ---------------------------------------------------------------------------

# AS_USER: the command prefix that runs xpledge (and so its tracee) without privileges. Root
# ignores non-dumpability and RLIMIT_NPROC, which some tests are about, so as root we become
# nobody (65534) with setpriv; as anyone else, nothing to do.
AS_USER=()
if [ "$(id -u)" -eq 0 ]; then
  command -v setpriv >/dev/null 2>&1 || skip "running as root and setpriv (util-linux) is missing"
  AS_USER=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi

# _hx_prefix OPTS...: sets _prefix from leading --as-user / --setsid / --nproc=N options (in
# that order: the limit is set after the uid change); _nopts = how many.
_hx_prefix() {
  _prefix=()
  _nopts=0
  while [ $# -gt 0 ]; do
    case $1 in
      --as-user) _prefix+=("${AS_USER[@]}") ;;
      # A new session and process group led by xpledge: signals a tracee sends to "its process
      # group" then reach nobody but xpledge and its tracees (not this script, not ctest).
      --setsid) _prefix+=(setsid) ;;
      # RLIMIT_NPROC for xpledge and everything under it (only binding without privileges).
      --nproc=*) _prefix+=(prlimit "$1") ;;
      *) break ;;
    esac
    shift
    _nopts=$((_nopts + 1))
  done
}

# hx [--as-user] [--setsid] [--nproc=N] ARGS...: `xpledge run ARGS` like lib.sh's xp (stdout $T/out,
# stderr $T/err, status $rc, a hang fails), optionally unprivileged and/or in its own session.
hx() {
  _hx_prefix "$@"
  shift "$_nopts"
  XP_LAST_CMD="${_prefix[*]} xpledge run $XPLEDGE_RUN_FLAGS $*"
  local start=$SECONDS
  # shellcheck disable=SC2086  # XPLEDGE_RUN_FLAGS is a list of flags
  _timed "${_prefix[@]}" "$XPLEDGE" run $XPLEDGE_RUN_FLAGS "$@"
  if [ "$rc" -eq 124 ] || { [ "$rc" -eq 137 ] && [ $((SECONDS - start)) -ge "$XP_TIMEOUT" ]; }; then
    fail "xpledge did not finish within ${XP_TIMEOUT}s (hang; a stopped supervisor?)"
  fi
}

# hx_watch [--as-user] [--setsid] ARGS...: as hx, but xpledge runs in the background while this
# shell watches it: each time the supervisor is seen stopped by a signal (an attack's SIGSTOP
# landed: state T), the time is appended to $T/stopped and it is sent SIGCONT so the run can
# finish.
hx_watch() {
  _hx_prefix "$@"
  shift "$_nopts"
  XP_LAST_CMD="${_prefix[*]} xpledge run $XPLEDGE_RUN_FLAGS $* (watched)"
  : >"$T/stopped"
  # setsid and setpriv exec in place (xpledge is not a group leader here), so $! is xpledge.
  # shellcheck disable=SC2086
  "${_prefix[@]}" "$XPLEDGE" run $XPLEDGE_RUN_FLAGS "$@" >"$T/out" 2>"$T/err" </dev/null &
  local pid=$! deadline=$((SECONDS + XP_TIMEOUT)) s
  _xp_bg_pids+=("$pid")
  while kill -0 "$pid" 2>/dev/null; do
    s=$(proc_state "$pid")
    case $s in
      Z | "") break ;;
      # T is a stop by signal. Not t (a ptrace stop): LeakSanitizer stops the supervisor that way
      # at exit in `make sanitize`; ptrace attacks on the supervisor have their own tests.
      T)
        echo "$SECONDS supervisor $pid state $s" >>"$T/stopped"
        kill -CONT "$pid" 2>/dev/null
        ;;
    esac
    if [ "$SECONDS" -ge "$deadline" ]; then
      proc_tree_dump "$pid" >"$T/hang" 2>&1
      kill -9 "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
      fail "xpledge did not finish within ${XP_TIMEOUT}s (hang)"
    fi
    sleep 0.005
  done
  wait "$pid"
  rc=$?
}

# --- assertions ----------------------------------------------------------------------------------

# assert_held: the attack program reported no BYPASS and no set-up ERROR, and the run exited 0
# (the attack program's "all held").
assert_held() {
  if grep -q '^BYPASS ' "$T/out"; then
    fail "the attack got through:
$(grep '^BYPASS ' "$T/out")"
  fi
  if grep -q '^ERROR ' "$T/out"; then
    fail "the attack could not be set up: $(grep '^ERROR ' "$T/out")"
  fi
  assert_exit 0
}

# assert_ok NAME...: each variant NAME reported "ok NAME: ...".
assert_ok() {
  local n
  for n in "$@"; do
    grep -q -- "^ok $(re_escape "$n"): " "$T/out" || fail "no 'ok $n' line (variant missing?)"
  done
}

# assert_logged RE: stderr has an xpledge record matching the extended regex RE (after
# "xpledge: "), e.g. assert_logged "deny pid=[0-9]+ comm=abi_x32 \[x32\] getpid\(".
assert_logged() {
  assert_contains "$T/err" "^xpledge: $1"
}

# assert_not_stopped: hx_watch never saw the supervisor stopped.
assert_not_stopped() {
  [ ! -s "$T/stopped" ] || fail "the supervisor was stopped by the attack:
$(cat "$T/stopped")"
}

# skip_if_asan: skip, loudly, when xpledge is built with AddressSanitizer (make sanitize): its
# quarantine and shadow memory make the resident set size meaningless as a leak measure (LSan
# checks leaks at exit there instead).
skip_if_asan() {
  if grep -q __asan_init "$XPLEDGE" 2>/dev/null; then
    skip "xpledge is built with ASan: RSS measures its quarantine, not us (LeakSanitizer checks leaks at exit)"
  fi
}

# ia32_available: 0 if this kernel runs i386 calls from 64-bit programs (IA32 emulation), else 1
# with the reason in $IA32_WHY. A probe that fails in another way fails the test.
ia32_available() {
  native "$A/abi_int80" probe
  if [ "$nrc" -eq $((128 + 11)) ]; then
    IA32_WHY="int \$0x80 kills the process natively (SIGSEGV): no IA32 emulation in this kernel"
    return 1
  fi
  [ "$nrc" -eq 0 ] || fail "abi_int80 probe failed natively (exit $nrc): $(cat "$T/nerr")"
  local r
  r=$(sed -n 's/^ret=//p' "$T/nout")
  if [ "$r" = -38 ]; then
    IA32_WHY="int \$0x80 returns -ENOSYS natively: IA32 emulation is disabled (ia32_emulation=0?)"
    return 1
  fi
  [ "$r" -gt 0 ] 2>/dev/null || fail "i386 getpid failed natively: ret=$r"
}

# ia32_or_skip: skip the test, loudly, unless i386 calls run here.
ia32_or_skip() {
  ia32_available || skip "$IA32_WHY"
}
