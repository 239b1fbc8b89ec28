#!/usr/bin/env bash
# OpenBSD's unveil regression cases (unveil_regress.c) three ways: supervised in both engine
# modes, where every answer must be OpenBSD's (ENOENT outside every unveiled path, EACCES for a
# missing permission: the seccomp mode stacks the unveil filter so that path calls reach the
# supervisor), and standalone, where the library's Landlock domain gives the answers
# docs/pledge.md lists as differences.
# shellcheck source=lib.sh
. "$PLEDGE_TESTS_SRC/lib.sh"
cases="open escalation opendir perms names lookup symlink chmod exec fork pledge"

check_all_ok() {
  for c in $cases; do assert_line "$c = ok"; done
  assert_exit 0
}

for mode in seccomp no-seccomp; do
  flags=$XPLEDGE_RUN_FLAGS
  [ "$mode" = no-seccomp ] && flags="$flags --no-seccomp"
  mkdir "$T/$mode"
  XPLEDGE_RUN_FLAGS=$flags xp "$DENY" "$V/unveil_regress" supervised "$T/$mode"
  check_all_ok
  grep -q "rule=unveil" "$T/err" || fail "$mode: no denial logged with rule=unveil"
  # The records name our calls.
  grep -q "xunveil(" "$T/err" || fail "$mode: no record names xunveil"
  ! grep -q "syscall_1000[01]" "$T/err" || fail "$mode: a record names syscall_1000x"
  if [ "$mode" = seccomp ]; then
    ! grep -q "unveil filter was not installed\|cannot install the unveil filter" "$T/err" ||
      fail "the unveil filter failed"
  fi
done

abi=$(python3 -c 'import ctypes; l=ctypes.CDLL(None, use_errno=True); print(l.syscall(444, None, 0, 1))' 2>/dev/null)
if [ "${abi:-0}" -ge 1 ] 2>/dev/null; then
  mkdir "$T/standalone"
  run "$V/unveil_regress" standalone "$T/standalone"
  check_all_ok
else
  echo "SKIP (part): standalone cases need Landlock (landlock_create_ruleset version: ${abi:-?})" >&2
fi
