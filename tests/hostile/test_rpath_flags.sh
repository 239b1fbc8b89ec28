#!/usr/bin/env bash
# Opens that rpath's read class must not admit, where rpath grants reads by the flags register and
# the seccomp pre-filter (policy promises) or the stacked pledge filter (xpledge) decides them in
# the kernel without a stop (attacks/rpath_flags.c): O_TRUNC with read access (also with bit
# 32 set, or among other harmless flags), access mode 3 with O_TRUNC, creat (no flags register),
# O_CREAT|O_RDONLY, O_TMPFILE, an i386 open through int $0x80, and the same from a thread, a vfork
# and a fork child. Each is refused (EUCLEAN by the policy, EPERM by the pledge) and logged, the
# file keeps its bytes, nothing is created; a read-only open works.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
variants=(read trunc-hi wronly-hi trunc-extra open-trunc mode3-trunc creat creat-rdonly tmpfile
  i386-trunc thread vfork fork)
mkdir -p "$T/d"
printf 'data\n' >"$T/f"
f_re=$(re_escape "\"$T/f\"")

hx -p "$POLICIES/rpath_flags.yaml" -- "$A/rpath_flags" "$T/f" "$T/d" EUCLEAN
note "policy: $(tr '\n' ' ' <"$T/out")"
assert_held
assert_ok "${variants[@]}"
assert_logged "deny pid=[0-9]+ comm=rpath_flags openat\\(AT_FDCWD, $f_re, O_RDONLY\\|O_TRUNC.* = -1 EUCLEAN rule=default@"
assert_logged "deny pid=[0-9]+ comm=rpath_flags creat\\($f_re.* = -1 EUCLEAN rule=default@"
assert_logged "deny pid=[0-9]+ comm=rpath_flags \\[i386\\] open\\(.* = -1 EUCLEAN rule=default@"
# Access mode 3 (read and write permission needed, neither granted) is logged as such, as strace
# does, not as the O_RDONLY it was once rendered as.
assert_logged "deny pid=[0-9]+ comm=rpath_flags open\\($f_re, O_ACCMODE\\|O_TRUNC, 0\\) = -1 EUCLEAN rule=default@"

hx -p "$POLICIES/rpath_flags_wide.yaml" -- "$A/rpath_flags" "$T/f" "$T/d" EPERM "stdio rpath proc"
note "pledge: $(tr '\n' ' ' <"$T/out")"
assert_held
assert_ok "${variants[@]}"
assert_logged "deny pid=[0-9]+ comm=rpath_flags openat\\(AT_FDCWD, $f_re, O_RDONLY\\|O_TRUNC.* = -1 EPERM"
assert_logged "deny pid=[0-9]+ comm=rpath_flags creat\\($f_re.* = -1 EPERM"
exit 0
