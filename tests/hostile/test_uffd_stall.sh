#!/usr/bin/env bash
# Issue 15, item 5: a tracee cannot stall the supervisor with a userfaultfd. The argument the
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
hx -p "$POLICIES/path_race.yaml" -- "$A/uffd_stall" stall
note "$(cat "$T/out")"
grep -q '^ERROR .*userfaultfd: ENOSYS' "$T/out" && skip "no userfaultfd in this kernel"
assert_held
assert_ok path promises nest-stack
assert_logged "deny pid=[0-9]+ tid=[0-9]+ comm=uffd_stall openat\\(.* = -1 EUCLEAN"
assert_logged "deny pid=[0-9]+ tid=[0-9]+ comm=uffd_stall xpledge\\(.* = -1 EFAULT"
assert_logged "error: pid [0-9]+: cannot inject its Landlock nesting"
exit 0
