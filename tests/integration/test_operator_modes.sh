#!/usr/bin/env bash
# Issue 7: --permissive logs what would be refused and refuses nothing; -v explains what would
# allow a refused call; --stats prints a table of stopped calls and decisions.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
require_ptrace
SHIPPED=$(cd "$TESTS_SRC/../../policies" && pwd -P) || exit 1
RO=$SHIPPED/examples/read-only-fs.yaml

# Enforcing: the file is not created, -v names the promise and the path rule that would allow it.
xp -v -p "$RO" -- touch "$T/a"
[ "$rc" -ne 0 ] || fail "touch succeeded under read-only-fs"
[ ! -e "$T/a" ] || fail "touch created the file"
assert_contains "$T/err" "^xpledge: deny pid=[0-9]+ comm=touch openat\\(AT_FDCWD, $(re_escape "\"$T/a\"").* hint=\"openat needs cpath and a path rule for $(re_escape "$T/a") \\(create\\)\"$"

# Permissive: the same call runs and is logged as a refusal that was let through.
xp --permissive -p "$RO" -- touch "$T/b"
assert_exit 0
[ -e "$T/b" ] || fail "--permissive refused the call"
assert_contains "$T/err" "^xpledge: would deny pid=[0-9]+ comm=touch openat\\(AT_FDCWD, $(re_escape "\"$T/b\"").*\\) \\(-1 EPERM if enforced\\) rule="
xp --dry-run -p "$POLICIES/deny_getppid.yaml" -- "$VICTIMS/deny_loop" 5
assert_exit 0
assert_line "$T/out" "denied=0 other=5"
assert_count "$T/err" "^xpledge: would deny .*getppid\\(\\) \\(-1 EUCLEAN if enforced\\) rule=" 5
assert_not_contains "$T/err" "^xpledge: deny "

# --stats: one row per stopped syscall, counts exact.
xp --stats -p "$POLICIES/deny_getppid.yaml" -- "$VICTIMS/deny_loop" 7
assert_exit 0
assert_line "$T/out" "denied=7 other=0"
assert_contains "$T/err" "^xpledge: +7 +7 +0 +0  getppid$"
assert_contains "$T/err" "^xpledge: +stops +denied +killed +logged  syscall$"
exit 0
