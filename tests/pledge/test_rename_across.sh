#!/usr/bin/env bash
# Issue 16: after a narrowing xpledge() the process is in a nested Landlock domain; renames and
# links across directories still work there (OpenBSD allows them with cpath), in both modes:
# the nested domain handles no filesystem right (Landlock ABI 6+), so it refuses no
# re-parenting. Before ABI 6 the nested domain handles one, and this fails with EXDEV: skipped.
# shellcheck source=lib.sh
. "$PLEDGE_TESTS_SRC/lib.sh"
abi=$(python3 -c 'import ctypes; l = ctypes.CDLL(None, use_errno=True); print(l.syscall(444, None, 0, 1))' 2>/dev/null)
[ "${abi:-0}" -ge 6 ] 2>/dev/null || skip "Landlock ABI ${abi:-?} < 6: a nested domain refuses re-parenting (docs/SECURITY.md)"
for flags in "" --no-seccomp; do
  mkdir -p "$T/a" "$T/b"
  echo x >"$T/a/f"
  XPLEDGE_RUN_FLAGS=$flags xp "$DENY" "$V/pledge_steps" "pledge:stdio rpath wpath cpath" \
    "rename:$T/a/f:$T/b/f" "link:$T/b/f:$T/a/g" "rename:$T/a:$T/b/a"
  grep -qx "pledge:stdio rpath wpath cpath = ok" "$T/out" || fail "the pledge failed ($flags)"
  grep -qx "rename:$T/a/f:$T/b/f = ok" "$T/out" || fail "rename across directories failed ($flags)"
  grep -qx "link:$T/b/f:$T/a/g = ok" "$T/out" || fail "link across directories failed ($flags)"
  grep -qx "rename:$T/a:$T/b/a = ok" "$T/out" || fail "a directory rename failed ($flags)"
  [ "$rc" -eq 0 ] || fail "exit $rc ($flags)"
  rm -rf "$T/a" "$T/b"
done
exit 0
