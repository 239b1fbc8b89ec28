#!/usr/bin/env bash
# Attack review of issue 17: a program that makes itself not dumpable hides its /proc/PID/root,
# cwd and fds from an unprivileged supervisor (no CAP_SYS_PTRACE), so its paths cannot be
# resolved in its view. Such a path must be refused by a deny rule (unresolved means refused),
# not judged as the string it is: a symlink, a relative path and /proc/self/fd/N leading to
# DIR/secret/f (denied to openat, EUCLEAN) read the secret before. Logged once per process.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
D=$T/w/x
mkdir -p "$D/secret" "$D/pub"
echo SECRET >"$D/secret/f"
ln -s ../secret/f "$D/pub/link"
chmod -R a+rwX "$D"
chmod a+rx "$A" "$A/path_nodump"
cat >"$T/nodump.yaml" <<YAML
version: 1
default: allow
deny:
  - { syscall: openat, path: ["$D/secret/**"], errno: EUCLEAN }
YAML
chmod a+r "$T/nodump.yaml"
# Unprivileged, as the supervisor usually is: root's CAP_SYS_PTRACE reads /proc anyway.
hx --as-user -p "$T/nodump.yaml" -- "$A/path_nodump" "$D"
note "$(cat "$T/out")"
assert_held
assert_ok symlink relative proc-fd
assert_logged "error: pid [0-9]+: cannot read /proc/[0-9]+/root"
exit 0
