#!/usr/bin/env bash
# Issue 6 / 2: kill(-1, SIGALRM) from the tracee reaches every process it may signal, the
# supervisor included (the tracee ignores SIGALRM; the supervisor would die of it: 128+14).
# Only safe in a private PID namespace: xpledge runs under `unshare --pid --fork --mount-proc`
# (as root, or in a new user namespace otherwise) below a shell that is the namespace's init,
# and the attack refuses to run unless its PID namespace differs from this script's.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
OPEN_FINDING="kill(-1, sig) from a tracee reaches the supervisor"
command -v unshare >/dev/null 2>&1 || skip "unshare (util-linux) is missing"
ns=(unshare --pid --fork --mount-proc)
[ "$(id -u)" -eq 0 ] || ns=(unshare --user --map-root-user --pid --fork --mount-proc)
"${ns[@]}" true 2>"$T/unshare.err" ||
  skip "cannot create a PID namespace here (${ns[*]}): $(cat "$T/unshare.err")"
HOST_PIDNS=$(readlink /proc/self/ns/pid)
export HOST_PIDNS

XP_LAST_CMD="${ns[*]} sh -c 'xpledge run $XPLEDGE_RUN_FLAGS -p allow_all.yaml -- signal_indirect all-alarm'"
# shellcheck disable=SC2016  # expanded by the inner shell
timeout -k 5 "$XP_TIMEOUT" "${ns[@]}" sh -c '"$@"; echo "xpledge-exit=$?"' sh \
  "$XPLEDGE" run $XPLEDGE_RUN_FLAGS -p "$POLICIES/allow_all.yaml" -- "$A/signal_indirect" all-alarm \
  >"$T/out" 2>"$T/err" </dev/null
rc=$?
[ "$rc" -eq 0 ] || fail "the PID namespace's shell exited $rc"
xrc=$(sed -n 's/^xpledge-exit=//p' "$T/out")
[ "$xrc" != $((128 + 14)) ] || fail "kill(-1, SIGALRM) from the tracee killed the supervisor (exit $xrc)"
rc=$xrc
assert_held
assert_ok kill-all-SIGALRM
if grep -q '^ok kill-all-SIGALRM: errno=' "$T/out"; then
  assert_logged "deny pid=[0-9]+ comm=signal_indirect kill\\(-1, SIGALRM\\) = -1 "
fi
exit 0
