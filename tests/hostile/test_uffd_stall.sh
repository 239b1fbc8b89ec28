#!/usr/bin/env bash
# Issue 15, item 5: a tracee cannot stall the supervisor with a userfaultfd, and cannot get one
# through /dev/userfaultfd where userfaultfd(2) is refused. The argument the
# supervisor must read (a path, xpledge's promise string) or write (a Landlock nesting's ruleset
# attribute below the stack pointer) lies in a registered page nobody fills: the call must be
# answered promptly (refused: the argument cannot be read or written), and a witness process's
# path-checked calls must go on being served meanwhile. Before the fix the supervisor slept in
# process_vm_readv/writev until the tracee resolved the fault.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
XP_TIMEOUT=60
[ "$(id -u)" -eq 0 ] || [ "$(cat /proc/sys/vm/unprivileged_userfaultfd 2>/dev/null)" = 1 ] ||
  skip "userfaultfd(2) needs root or vm.unprivileged_userfaultfd=1 here"
# /dev/userfaultfd (Linux 6.1) makes the same object as userfaultfd(2): USERFAULTFD_IOC_NEW is
# judged as userfaultfd, under a test policy (EUCLEAN), the embedded default (EPERM) and pledge.
hx -p "$POLICIES/deny_userfaultfd.yaml" -- "$A/uffd_stall" dev EUCLEAN
note "$(cat "$T/out")"
assert_held
assert_ok syscall
if grep -q '^SKIP dev-ioctl:' "$T/out"; then
  note "SKIP: the /dev/userfaultfd variants (no device here, or not root)"
else
  assert_ok dev-ioctl dev-ioctl-upper
  assert_logged "deny pid=[0-9]+ comm=uffd_stall ioctl\\([0-9]+, 0xaa00, .* = -1 EUCLEAN rule=deny\\[0\\]@.*deny_userfaultfd.yaml"
  assert_logged "deny pid=[0-9]+ comm=uffd_stall ioctl\\([0-9]+, 0x10000aa00, .* = -1 EUCLEAN"
  hx -p "$POLICIES/allow_all.yaml" -- "$A/uffd_stall" pledged
  note "$(cat "$T/out")"
  assert_held
  assert_ok dev-pledged
  assert_logged "deny pid=[0-9]+ comm=uffd_stall ioctl\\([0-9]+, 0xaa00, .* = -1 EPERM rule=pledge"
fi
hx -- "$A/uffd_stall" dev EPERM
note "$(cat "$T/out")"
assert_held
grep -q '^SKIP dev-ioctl:' "$T/out" || assert_ok dev-ioctl dev-ioctl-upper

hx -p "$POLICIES/path_race.yaml" -- "$A/uffd_stall" stall
note "$(cat "$T/out")"
grep -q '^ERROR .*userfaultfd: ENOSYS' "$T/out" && skip "no userfaultfd in this kernel"
assert_held
assert_ok path promises nest-stack
assert_logged "deny pid=[0-9]+ tid=[0-9]+ comm=uffd_stall openat\\(.* = -1 EUCLEAN"
assert_logged "deny pid=[0-9]+ tid=[0-9]+ comm=uffd_stall xpledge\\(.* = -1 EFAULT"
assert_logged "error: pid [0-9]+: cannot inject its Landlock nesting"
exit 0
