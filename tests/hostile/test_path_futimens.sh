#!/usr/bin/env bash
# Attack review of issue 17: utimensat with a NULL path (futimens) acts on its descriptor's file.
# A path rule on utimensat must hold against that file (refused for DIR/secret/f, EUCLEAN,
# logged) and must not refuse it elsewhere as an unreadable path (DIR/pub/f: works). Rules on
# utimes and fchmodat hold for their newer forms futimesat and fchmodat2.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
D=$T/w/x
mkdir -p "$D/secret" "$D/pub"
echo SECRET >"$D/secret/f"
echo public >"$D/pub/f"
chmod -R a+rwX "$D"
before=$(stat -c %Y "$D/secret/f")
cat >"$T/times.yaml" <<YAML
version: 1
default: allow
deny:
  - { syscall: utimensat, path: ["$D/secret/**"], errno: EUCLEAN }
  - { syscall: utimes, path: ["$D/secret/**"], errno: EUCLEAN }
  - { syscall: fchmodat, path: ["$D/secret/**"], errno: EUCLEAN }
YAML
hx -p "$T/times.yaml" -- "$A/path_futimens" "$D"
note "$(cat "$T/out")"
assert_held
assert_ok honest null-secret empty-secret futimesat futimesat-null
grep -q '^SKIP fchmodat2' "$T/out" || assert_ok fchmodat2
assert_logged "deny pid=[0-9]+ comm=path_futimens utimensat\\([0-9]+, NULL, .* = -1 EUCLEAN rule=deny\\[0\\]@"
[ "$(stat -c %Y "$D/secret/f")" = "$before" ] || fail "DIR/secret/f's mtime was changed"
[ "$(stat -c %a "$D/secret/f")" != 600 ] || fail "DIR/secret/f's mode was changed"
exit 0
