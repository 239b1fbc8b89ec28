#!/usr/bin/env bash
# Attack review of issue 17 (docs/SECURITY.md F5, fixed): a program with a seccomp filter of its
# own has its opens checked at their exit stop, after the kernel ran them: O_CREAT through a
# name flipping to a symlink at DIR/secret/new created that file in the denied tree before the
# exit check killed the process. Now such an open runs on its resolved path with O_NOFOLLOW: the
# swapped-in symlink fails it. PATH_FLIP_SECONDS (default 2) per mode.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
D=$T/w/x
mkdir -p "$D/secret" "$D/pub"
echo public >"$D/pub/x"
chmod -R a+rwX "$D"
cat >"$T/creat.yaml" <<YAML
version: 1
default: allow
deny:
  - { syscall: open, path: ["$D/secret/**"], errno: EUCLEAN }
  - { syscall: openat, path: ["$D/secret/**"], errno: EUCLEAN }
  - { syscall: openat2, path: ["$D/secret/**"], errno: EUCLEAN }
YAML
XP_TIMEOUT=120 hx -p "$T/creat.yaml" -- "$A/path_creat_exit" "$D" "${PATH_FLIP_SECONDS:-2}"
note "$(cat "$T/out")"
assert_held
assert_ok filter-creat
[ ! -e "$D/secret/new" ] || fail "DIR/secret/new was created"
exit 0
