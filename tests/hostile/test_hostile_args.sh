#!/usr/bin/env bash
# Issue 6 / 4: unreadable path arguments (pointer 1, an unmapped page, a kernel address, a
# string running into an unmapped page, 1 MiB without a NUL within PATH_MAX) fail closed: the
# deny path rules apply (EUCLEAN, logged), nothing crashes. SYS_xpledge with garbage, unterminated
# and 1 MiB strings gets EFAULT/EINVAL (logged). A syscall number with junk in its upper 32 bits
# is judged by the low 32 bits the kernel runs (getppid: denied). The supervisor exits normally.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"

hx -p "$POLICIES/hostile_paths.yaml" -- "$A/hostile_args" EUCLEAN
assert_held
assert_ok openat-pointer-1 openat-unmapped openat-unterminated openat-1MiB openat-kernel-address \
  execve-unterminated xpledge-garbage-pointers xpledge-unterminated xpledge-1MiB \
  xpledge-unmapped-execpromises getppid-upper-bits getppid-junk-upper-bits
assert_count "$T/err" '^xpledge: deny pid=[0-9]+ comm=hostile_args openat\(AT_FDCWD, 0x[0-9a-f]+, .* = -1 EUCLEAN rule=deny\[1\]@' 5
assert_count "$T/err" '^xpledge: deny pid=[0-9]+ comm=hostile_args execve\(.* = -1 EUCLEAN rule=deny\[2\]@' 1
assert_count "$T/err" '^xpledge: deny pid=[0-9]+ comm=hostile_args xpledge\(.* = -1 EFAULT rule=xpledge' 2
assert_count "$T/err" '^xpledge: deny pid=[0-9]+ comm=hostile_args xpledge\(.* = -1 EINVAL rule=xpledge' 2
assert_count "$T/err" '^xpledge: deny pid=[0-9]+ comm=hostile_args getppid\(.* = -1 EUCLEAN rule=deny\[0\]@' 2
exit 0
