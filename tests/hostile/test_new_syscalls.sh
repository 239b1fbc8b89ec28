#!/usr/bin/env bash
# Issue 23: calls newer than libseccomp 2.5.4. Under the embedded default policy
# open_tree_attr (467, open_tree's twin) is refused: as root it would return a mount fd. A policy
# names mseal and listmount and denies them with EUCLEAN; the log names each call and decodes
# its arguments. A path rule on setxattr catches setxattrat (and lsetxattr) on the same path.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"

hx -- "$A/new_syscalls" open_tree_attr EPERM
assert_held
assert_ok open_tree_attr
assert_logged "deny pid=[0-9]+ comm=new_syscalls open_tree_attr\\(AT_FDCWD, \"/tmp\", 0x80001, NULL, 0\\) = -1 EPERM rule=deny\\[[0-9]+\\]@<default>"

hx -p "$POLICIES/new_calls.yaml" -- "$A/new_syscalls" mseal EUCLEAN
assert_held
assert_ok mseal
assert_logged "deny pid=[0-9]+ comm=new_syscalls mseal\\(0x[0-9a-f]+, 4096, NULL\\) = -1 EUCLEAN rule=deny\\[0\\]@"

hx -p "$POLICIES/new_calls.yaml" -- "$A/new_syscalls" listmount EUCLEAN
assert_held
assert_ok listmount
assert_logged "deny pid=[0-9]+ comm=new_syscalls listmount\\(0x[0-9a-f]+, 0x[0-9a-f]+, 8, NULL\\) = -1 EUCLEAN rule=deny\\[1\\]@"

mkdir -p "$T/xattr-denied"
: >"$T/xattr-denied/f"
# The control file sits outside the rule's directory.
: >"$T/plain"
hx -p "$POLICIES/new_calls.yaml" -- "$A/new_syscalls" setxattrat EUCLEAN "$T/xattr-denied/f" "$T/plain"
assert_held
assert_ok setxattrat setxattr lsetxattr setxattrat-control
assert_logged "deny pid=[0-9]+ comm=new_syscalls setxattrat\\(AT_FDCWD, \"$(re_escape "$T")/xattr-denied/f\", 0, \"user.xpledge\", 0x[0-9a-f]+, 16\\) = -1 EUCLEAN rule=deny\\[2\\]@"
assert_logged "deny pid=[0-9]+ comm=new_syscalls lsetxattr\\(.* = -1 EUCLEAN rule=deny\\[2\\]@"
exit 0
