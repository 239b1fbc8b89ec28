#!/usr/bin/env bash
# Issue 17, transparency of path resolution: a missing last name followed by a trailing slash
# ("newdir/") is the kernel's to judge, not a missing middle component. mkdir("DIR/new/") under a
# path rule on mkdir makes the directory (it got ENOENT from the supervisor before); a deny
# rule still refuses "DIR/no/x/" with the policy's errno.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
mkdir -p "$T/d/no"
cat >"$T/slash.yaml" <<YAML
version: 1
default: allow
allow:
  - { syscall: mkdir, path: "$T/d/**" }
deny:
  - { syscall: mkdir, path: "$T/d/no/**", errno: EUCLEAN }
YAML
xp -p "$T/slash.yaml" -- "$VICTIMS/try_call" mkdir "$T/d/new/"
assert_exit 0
assert_line "$T/out" "mkdir ret=0 errno=0"
[ -d "$T/d/new" ] || fail "mkdir DIR/d/new/ did not make the directory"
assert_empty "$T/err"
xp -p "$T/slash.yaml" -- "$VICTIMS/try_call" mkdir "$T/d/no/x/"
assert_exit 0
assert_line "$T/out" "mkdir ret=-1 errno=EUCLEAN"
[ ! -e "$T/d/no/x" ] || fail "the denied mkdir made DIR/d/no/x"
exit 0
