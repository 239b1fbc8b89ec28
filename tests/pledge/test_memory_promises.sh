#!/usr/bin/env bash
# stdio maps and protects memory read/write; PROT_EXEC needs prot_exec. The stacked pledge
# filter tests the prot argument in the kernel, so the allowed calls never stop: --stats counts
# exactly the refused ones (one mmap, one mprotect), and a pass also proves the BPF compare
# lets PROT_READ|PROT_WRITE through and stops PROT_EXEC.
# shellcheck source=lib.sh
. "$PLEDGE_TESTS_SRC/lib.sh"

XPLEDGE_RUN_FLAGS="$XPLEDGE_RUN_FLAGS --stats"
xp "$DENY" "$V/pledge_steps" "pledge:stdio" mmap:rw mmap:rw mmap:rx mprotect:rx mmap:rw
assert_exit 0
assert_line "pledge:stdio = ok"
[ "$(grep -Fxc "mmap:rw = ok" "$T/out")" -eq 3 ] || fail "mmap:rw did not succeed three times"
assert_line "mmap:rx = EPERM"
assert_line "mprotect:rx = EPERM"
assert_denied mmap prot_exec
assert_denied mprotect prot_exec
# --stats rows: "xpledge:  STOPS DENIED KILLED LOGGED SYSCALL"
stops() { awk -v s="$1" '$1 == "xpledge:" && $NF == s { print $2 }' "$T/err"; }
[ "$(stops mmap)" = 1 ] || fail "expected 1 stopped mmap (the PROT_EXEC one), got '$(stops mmap)'"
[ "$(stops mprotect)" = 1 ] || fail "expected 1 stopped mprotect, got '$(stops mprotect)'"

# With prot_exec both work.
XPLEDGE_RUN_FLAGS=""
xp "$DENY" "$V/pledge_steps" "pledge:stdio prot_exec" mmap:rx mprotect:rx
assert_exit 0
assert_line "mmap:rx = ok"
assert_line "mprotect:rx = ok"
