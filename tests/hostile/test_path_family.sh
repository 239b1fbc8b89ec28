#!/usr/bin/env bash
# Every form of one operation on a path is one rule family (docs/policy.md, "Path families"): a
# deny path rule written on any member holds for every member. Before, `deny openat` on a file
# was stepped around with open() or openat2() and creat() truncated it, `deny unlinkat` with
# unlink(), `deny fchmodat` with chmod(), `deny newfstatat` with statx()...
# For each family and each member as the rule's call, the attack runs every member on $T/d/**.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
# One line per family: its name (the attack's argument), then its members as it calls them.
FAMILIES="open: openat open creat openat2
stat: stat lstat newfstatat statx
access: access faccessat faccessat2
chmod: chmod fchmodat fchmodat2
chown: chown lchown fchownat
unlink: unlink unlinkat rmdir
mkdir: mkdir mkdirat
mknod: mknod mknodat
rename: rename renameat renameat2
link: link linkat
symlink: symlink symlinkat
readlink: readlink readlinkat
utime: utime utimes futimesat utimensat"
reset_dir() {
  rm -rf "$T/d" && mkdir "$T/d" "$T/d/sub"
  echo "the secret" >"$T/d/secret"
  chmod 0600 "$T/d/secret"
  touch -d '2001-02-03 04:05:06' "$T/d/secret"
  ln -s secret "$T/d/link"
}
while IFS= read -r line; do
  family=${line%%:*}
  members=${line#*: }
  for rule_call in $members; do
    reset_dir
    before=$(cd "$T/d" && ls -lA --time-style=+%s . sub)
    cat >"$T/policy.yaml" <<YAML
version: 1
default: allow
deny:
  - { syscall: $rule_call, path: "$T/d/**", errno: EUCLEAN }
YAML
    hx -p "$T/policy.yaml" -- "$A/path_family" "$T/d" "$family"
    note "rule on $rule_call: $(tr '\n' ' ' <"$T/out")"
    assert_held
    # shellcheck disable=SC2086
    assert_ok $members
    for member in $members; do
      assert_logged "deny pid=[0-9]+ comm=path_family $member\\(.* = -1 EUCLEAN rule="
    done
    after=$(cd "$T/d" && ls -lA --time-style=+%s . sub)
    [ "$before" = "$after" ] || fail "rule on $rule_call: $T/d changed:
$before
---
$after"
    [ "$(cat "$T/d/secret")" = "the secret" ] || fail "rule on $rule_call: the secret was changed"
  done
done <<<"$FAMILIES"
exit 0
