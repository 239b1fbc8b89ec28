#!/usr/bin/env bash
# Issue 17, item 1: a deny path rule holds against the file the kernel reaches, not the string.
# DIR/secret/** and DIR/lit are denied to openat; the attack reads them through symlinks, `..`
# after a symlink, /proc/self/fd, /dev/fd, /proc/PID/fd, /proc/self/cwd, /proc/thread-self,
# /proc/PID/cwd, a hard link made before the run, a dangling symlink opened with O_CREAT, and
# its own hard link and renames. Each must fail (EUCLEAN: our refusal), logged with the rule.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
D=$T/w/x
mkdir -p "$D/secret/sub" "$D/pub"
echo SECRET >"$D/secret/f"
echo SECRET >"$D/secret/sub/g"
echo SECRET >"$D/lit"
echo public >"$D/pub/f"
ln "$D/lit" "$D/pub/hard" 2>/dev/null || skip "cannot hard-link in $T"
chmod -R a+rwX "$D"
cat >"$T/names.yaml" <<YAML
version: 1
default: allow
deny:
  - { syscall: openat, path: ["$D/secret/**", "$D/lit"], errno: EUCLEAN }
YAML
hx -p "$T/names.yaml" -- "$A/path_names" "$D"
note "$(cat "$T/out")"
assert_held
assert_ok symlink symlink-dirfd dotdot proc-self-fd dev-fd proc-pid-fd proc-self-cwd \
  thread-self-cwd proc-mounts-self proc-pid-cwd hardlink-before create-through link-out \
  rename-sub-out rename-tree
assert_logged "deny pid=[0-9]+ comm=path_names openat\\(AT_FDCWD, \"$(re_escape "$D")/pub/link\", .* = -1 EUCLEAN rule=deny\\[0\\]@"
assert_logged "deny pid=[0-9]+ comm=path_names openat\\(AT_FDCWD, \"/proc/self/fd/[0-9]+/secret/f\""
[ -e "$D/secret/created" ] && fail "a file was created in the denied tree"
exit 0
