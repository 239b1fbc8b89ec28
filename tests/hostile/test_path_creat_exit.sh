#!/usr/bin/env bash
# Attack review of issue 17 (OPEN finding, docs/SECURITY.md "Open findings" F5): a program with
# a seccomp filter of its own has its opens checked at their exit stop, after the kernel ran
# them: O_CREAT through a name flipping to a symlink at DIR/secret/new creates that file in the
# denied tree before the exit check kills the process. PATH_FLIP_SECONDS (default 2) per mode.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
OPEN_FINDING="F5: O_CREAT in an open checked at exit creates a file in a denied tree before the kill"
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
