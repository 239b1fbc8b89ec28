#!/usr/bin/env bash
# A program using xunveil() and xpledge() under `xpledge run`, in both engine modes: the
# supervisor answers xpledge() (its log names each refused call and the missing promise) and
# the supervisor does not service SYS_xunveil (10001) yet, so xunveil() falls back to the same
# Landlock domain as without a supervisor (docs/pledge.md). What the program sees is the OpenBSD
# behaviour of regress/sys/kern/unveil as far as Landlock states it (EACCES, not ENOENT).
# shellcheck source=lib.sh
. "$PLEDGE_TESTS_SRC/lib.sh"
abi=$(python3 -c 'import ctypes; l=ctypes.CDLL(None, use_errno=True); print(l.syscall(444, None, 0, 1))' 2>/dev/null)
[ "${abi:-0}" -ge 1 ] 2>/dev/null || skip "no Landlock in this kernel (landlock_create_ruleset version: ${abi:-?})"

mkdir -p "$T/dir" "$T/other"
echo in >"$T/dir/file"
echo out >"$T/other/file"

for mode in seccomp no-seccomp; do
  flags=$XPLEDGE_RUN_FLAGS
  [ "$mode" = no-seccomp ] && flags="$flags --no-seccomp"
  XPLEDGE_RUN_FLAGS=$flags xp "$DENY" "$V/pledge_steps" supported "unveil:$T/dir:rw" \
    "unveil:$T/other:r" "pledge:stdio rpath wpath proc" "open:r:$T/dir/file" "open:w:$T/dir/file" \
    "open:w:$T/other/file" "open:r:$T/readable" "unveil:$T:r" "socket:inet" "fork" \
    "open:r:$T/readable"
  assert_line "supported = 1"
  assert_line "unveil:$T/dir:rw = ok"
  assert_line "pledge:stdio rpath wpath proc = ok"     # dropping unveil locks
  assert_line "open:r:$T/dir/file = ok"
  assert_line "open:w:$T/dir/file = ok"
  assert_line "open:w:$T/other/file = EACCES"          # unveiled r only
  assert_line "unveil:$T:r = EPERM"                    # locked
  assert_line "socket:inet = EPERM"                    # the supervisor's pledge
  assert_denied socket inet
  assert_line "open:r:$T/readable = EACCES"            # hidden, in the child too
  assert_line "fork = exited 13"
  assert_exit 13

  # The supervisor's own pledge semantics stay: execpromises wider than the promises.
  XPLEDGE_RUN_FLAGS=$flags xp "$DENY" "$V/pledge_steps" "unveil:/:rx" \
    "pledge:stdio rpath exec:stdio rpath prot_exec inet" exec "$V/pledge_steps" "socket:inet" "unveil:$T:r"
  assert_line "pledge:stdio rpath exec:stdio rpath prot_exec inet = ok"  # rx on / for ld.so and libc
  assert_line "socket:inet = ok"
  assert_line "unveil:$T:r = EPERM"   # Landlock survives exec (OpenBSD drops unveil at exec)
  assert_exit 1
done
