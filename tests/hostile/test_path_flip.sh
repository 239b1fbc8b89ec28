#!/usr/bin/env bash
# Issue 17, item 2: no race between the path check and the kernel's use. Threads flip a name
# between an allowed file and DIR/secret (denied) as fast as they can while another opens it:
# the last component, a middle directory, O_TRUNC opens, a name through /proc/self/cwd (checked
# again at exit), and renames of the denied tree (refused). The secret is never read, never
# truncated. PATH_FLIP_SECONDS (default 2) per variant and mode; raise it for a long run.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
D=$T/w/x
mkdir -p "$D/secret" "$D/pub/d"
echo SECRET >"$D/secret/f"
echo public >"$D/pub/x"
echo public >"$D/pub/d/f"
chmod -R a+rwX "$D"
cat >"$T/flip.yaml" <<YAML
version: 1
default: allow
deny:
  - { syscall: openat, path: ["$D/secret/**"], errno: EUCLEAN }
YAML
XP_TIMEOUT=120 hx -p "$T/flip.yaml" -- "$A/path_flip" "$D" "${PATH_FLIP_SECONDS:-2}"
note "$(cat "$T/out")"
assert_held
assert_ok last middle trunc middle-trunc procfs move
[ "$(cat "$D/secret/f")" = SECRET ] || fail "DIR/secret/f was changed: $(cat "$D/secret/f")"
[ -d "$D/secret" ] || fail "DIR/secret was moved"
exit 0
