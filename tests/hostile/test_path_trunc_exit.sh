#!/usr/bin/env bash
# Attack review of issue 17: an open that is not made an openat2 without symlinks (a path
# through /proc, openat2 with RESOLVE_* flags of its own, a program with a seccomp filter of its
# own) is checked again at its exit stop, after the kernel ran it: O_TRUNC through a name
# flipping to a symlink at DIR/secret/VARIANT must not empty the secret before the exit check
# sees the race; an honest program's O_TRUNC through those opens still truncates (the flag is
# done at exit, on the file judged), and one reading a file other threads replace atomically
# (rename over it) is not killed by the exit check. PATH_FLIP_SECONDS (default 2) per variant and mode.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
D=$T/w/x
mkdir -p "$D/secret" "$D/pub"
for v in procfs resolve filter; do echo SECRET >"$D/secret/$v"; done
echo public >"$D/pub/x"
chmod -R a+rwX "$D"
cat >"$T/trunc.yaml" <<YAML
version: 1
default: allow
deny:
  - { syscall: open, path: ["$D/secret/**"], errno: EUCLEAN }
  - { syscall: openat, path: ["$D/secret/**"], errno: EUCLEAN }
  - { syscall: openat2, path: ["$D/secret/**"], errno: EUCLEAN }
YAML
XP_TIMEOUT=120 hx -p "$T/trunc.yaml" -- "$A/path_trunc_exit" "$D" "${PATH_FLIP_SECONDS:-2}"
note "$(cat "$T/out")"
assert_held
assert_ok procfs resolve filter honest-open honest-openat2 honest-creat \
  honest-replace
for v in procfs resolve filter; do
  [ "$(cat "$D/secret/$v")" = SECRET ] || fail "DIR/secret/$v was changed: '$(cat "$D/secret/$v")'"
done
exit 0
