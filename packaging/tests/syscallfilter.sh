#!/usr/bin/env bash
# packaging.syscallfilter: xpledge under an outer seccomp filter like systemd's
# SystemCallFilter= allow-list (outer_filter.c), the case docs/systemd.md warns about.
# xpledge refuses a call by turning it into syscall -1; whether the outer filter then sees -1
# depends on the mode:
#   default (seccomp pre-filter)  the refusal happens at the seccomp stop; the kernel does not
#                                 run the filters again for a call the tracer skipped: works
#   --no-seccomp                  the refusal happens at the ptrace syscall-entry stop, before
#                                 seccomp; the filters see nr -1, which no allow-list names:
#                                   kill action  -> the service dies of SIGSYS (status 159)
#                                   EPERM action -> the service gets EPERM (xpledge logs that
#                                                   the kernel answered, not itself)
#   SystemCallArchitectures=native -> no list of calls, -1 passes: works in both modes
# If the engine changes how it skips calls, update docs/systemd.md together with this test.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
[ -x "${OUTER_FILTER:-}" ] || fail "OUTER_FILTER is not built"
need_ptrace "$XPLEDGE"
T=$WORK/syscallfilter
rm -rf "$T" && mkdir -p "$T"
target=/xpledge-syscallfilter-test-does-not-exist

case_() {  # case_ FILTER_MODE XPLEDGE_FLAGS EXPECTED_STATUS EXPECTED_STDOUT
  local mode=$1 flags=$2 want_rc=$3 want_out=$4
  # shellcheck disable=SC2086
  run_to "$T/out" "$T/err" "$OUTER_FILTER" "$mode" "$XPLEDGE" run $flags -- "$FAKE_SERVICE" umount "$target"
  if [ "$rc" -ne "$want_rc" ] || [ "$(cat "$T/out")" != "$want_out" ]; then
    show "$T/out" "$T/err"
    fail "$mode, xpledge run ${flags:-(seccomp mode)}: expected status $want_rc and '$want_out', got $rc and '$(cat "$T/out")'"
  fi
  grep -q "^xpledge: deny .*umount2(\"$target\"" "$T/err" || { show "$T/err"; fail "$mode ${flags}: no deny line"; }
  note "$mode, ${flags:-seccomp mode}: status $rc, '${want_out:-<killed>}'"
}

# Baseline: the outer filter alone lets the call through to the kernel (ENOENT or EPERM).
run_to "$T/out" "$T/err" "$OUTER_FILTER" allowlist-kill "$FAKE_SERVICE" umount "$target"
[ "$rc" -eq 0 ] && grep -Eqx 'umount2 = -1 (ENOENT|EPERM|EINVAL)' "$T/out" \
  || { show "$T/out" "$T/err"; fail "baseline under the outer filter: status $rc"; }

case_ allowlist-kill  ""             0   'umount2 = -1 EPERM'
case_ allowlist-errno ""             0   'umount2 = -1 EPERM'
case_ allowlist-kill  --no-seccomp   159 ''
case_ allowlist-errno --no-seccomp   0   'umount2 = -1 EPERM'
# ... and xpledge notices that the answer did not come from it (verify at exit).
grep -q '^xpledge: error: .*umount2' "$T/err" || { show "$T/err"; fail "allowlist-errno --no-seccomp: no error line about the foreign answer"; }
# SystemCallArchitectures=native (in the shipped unit) has no list: nr -1 on the native ABI
# passes it in both modes.
case_ native-arch     ""             0   'umount2 = -1 EPERM'
case_ native-arch     --no-seccomp   0   'umount2 = -1 EPERM'
