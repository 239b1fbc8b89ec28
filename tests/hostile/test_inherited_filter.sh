#!/usr/bin/env bash
# Attack review of issue 17: xpledge started under a seccomp filter that refuses openat2 (an old
# container profile, a systemd SystemCallFilter= older than Linux 5.6). The tracee inherits it,
# so opens made openat2 failed with ENOSYS: no program could load its libraries. Now the
# supervisor sees the refusal at start, says so once, and checks opens at their exit instead:
# honest programs run, and the path flip races still neither read nor truncate the secret.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
W=$A/nosys_openat2
D=$T/w/x
mkdir -p "$D/secret" "$D/pub/d"
echo SECRET >"$D/secret/f"
echo public >"$D/pub/x"
echo public >"$D/pub/d/f"
chmod -R a+rwX "$D"
"$W" cat "$D/pub/x" >/dev/null 2>"$T/werr" ||
  skip "the wrapper's filter cannot run here: $(cat "$T/werr")"
cat >"$T/flip.yaml" <<YAML
version: 1
default: allow
deny:
  - { syscall: openat, path: ["$D/secret/**"], errno: EUCLEAN }
YAML
# shellcheck disable=SC2086  # XPLEDGE_RUN_FLAGS is a list of flags
timeout -k 5 120 "$W" "$XPLEDGE" run $XPLEDGE_RUN_FLAGS -p "$T/flip.yaml" -- cat "$D/pub/x" \
  >"$T/out" 2>"$T/err" </dev/null
rc=$?
XP_LAST_CMD="nosys_openat2 xpledge run $XPLEDGE_RUN_FLAGS -p flip.yaml -- cat DIR/pub/x"
assert_exit 0
[ "$(cat "$T/out")" = public ] || fail "cat printed '$(cat "$T/out")'"
assert_logged "warning: openat2 is refused here"
# shellcheck disable=SC2086
timeout -k 5 120 "$W" "$XPLEDGE" run $XPLEDGE_RUN_FLAGS -p "$T/flip.yaml" -- \
  "$A/path_flip" "$D" "${PATH_FLIP_SECONDS:-1}" >"$T/out" 2>"$T/err" </dev/null
rc=$?
XP_LAST_CMD="nosys_openat2 xpledge run $XPLEDGE_RUN_FLAGS -p flip.yaml -- path_flip DIR"
note "$(cat "$T/out")"
assert_held
assert_ok last middle trunc middle-trunc procfs move
[ "$(cat "$D/secret/f")" = SECRET ] || fail "DIR/secret/f was changed: $(cat "$D/secret/f")"
exit 0
