#!/usr/bin/env bash
# No supervisor: the kernel answers syscall 10000 with ENOSYS and libxpledge confines the
# program itself with a seccomp filter compiled from the promise catalogue (OpenBSD regress
# pledge/generic cases that make sense without paths). With XPLEDGE_REQUIRE_SUPERVISOR=1 it
# installs nothing and passes ENOSYS on. Nothing here runs under `xpledge run`.
# shellcheck source=lib.sh
. "$PLEDGE_TESTS_SRC/lib.sh"
[ -r /proc/self/status ] && grep -q '^Seccomp:' /proc/self/status || skip "no seccomp in this kernel"

# The old contract, on request: ENOSYS, nothing restricted, xpledge_supported() 0.
XPLEDGE_REQUIRE_SUPERVISOR=1 run "$V/pledge_fopen" "$T/readable"
assert_exit 2
assert_line 'xpledge("stdio", NULL) = -1 ENOSYS'
assert_line "fopen(\"$T/readable\", \"r\") = FILE 0"
XPLEDGE_REQUIRE_SUPERVISOR=1 run "$V/pledge_steps" supported "pledge:stdio" "open:r:$T/readable" \
  "socket:inet" "pledge:NULL:NULL"
assert_line "supported = 0"
assert_line "pledge:stdio = ENOSYS"
assert_line "open:r:$T/readable = ok"
assert_line "socket:inet = ok"
assert_line "pledge:NULL:NULL = ENOSYS"
assert_exit 38

# Alone: confined in the kernel. generic 4: "stdio" and a socket; OpenBSD aborts, we fail EPERM.
run "$V/pledge_steps" supported "pledge:stdio" "socket:inet" "socket:unix" "write" "open:r:$T/readable"
assert_line "supported = 0"
assert_line "pledge:stdio = ok"
assert_line "socket:inet = EPERM"
assert_line "socket:unix = EPERM"
assert_line "w"
assert_line "open:r:$T/readable = EPERM"
assert_exit 1

# generic 4 and 6: the promise that allows it (register limits: AF_INET stream is inet's).
run "$V/pledge_steps" "pledge:stdio inet rpath" "socket:inet" "socket:unix" "open:r:$T/readable" \
  "open:w:$T/writable" "open:c:$T/new" "mmap:rw" "mmap:rx"
assert_line "pledge:stdio inet rpath = ok"
assert_line "socket:inet = ok"
assert_line "socket:unix = EPERM"
assert_line "open:r:$T/readable = ok"
assert_line "open:w:$T/writable = EPERM"   # wpath
assert_line "open:c:$T/new = EPERM"        # cpath
assert_line "mmap:rw = ok"
assert_line "mmap:rx = EPERM"              # prot_exec
[ ! -e "$T/new" ] || fail "the refused O_CREAT made $T/new"

# generic 7: re-pledge narrows, never widens (EPERM), a bad name is EINVAL and changes nothing;
# NULL leaves the set unchanged.
run "$V/pledge_steps" "pledge:stdio rpath wpath" "pledge:stdio rpath" "pledge:stdio rpath" \
  "pledge:stdio wpath" "pledge:stdio bogus" "pledge:NULL:NULL" "open:r:$T/readable" \
  "open:w:$T/writable"
assert_line "pledge:stdio rpath wpath = ok"
assert_line "pledge:stdio rpath = ok"
assert_line "pledge:stdio wpath = EPERM"
assert_line "pledge:stdio bogus = EINVAL"
assert_line "pledge:NULL:NULL = ok"
assert_line "open:r:$T/readable = ok"
assert_line "open:w:$T/writable = EPERM"
assert_exit 1

# A bad name before any pledge installs nothing.
run "$V/pledge_steps" "pledge:stdio Rpath" "open:w:$T/writable"
assert_line "pledge:stdio Rpath = EINVAL"
assert_line "open:w:$T/writable = ok"

# Forked children inherit the filter.
run "$V/pledge_steps" "pledge:stdio proc" "fork" "socket:inet"
assert_line "socket:inet = EPERM"
assert_line "fork = exited 1"

# Filters survive exec: execpromises wider than the promises are accepted, and the new image
# still runs under the promises (fails closed); narrower ones cannot be enforced: EINVAL.
run "$V/pledge_steps" "pledge:stdio rpath exec:stdio" "pledge:stdio rpath prot_exec exec:stdio rpath prot_exec exec inet" \
  exec "$V/pledge_steps" "socket:inet"
assert_line "pledge:stdio rpath exec:stdio = EINVAL"
assert_line "pledge:stdio rpath prot_exec exec:stdio rpath prot_exec exec inet = ok"
assert_line "socket:inet = EPERM"
assert_exit 1

# Threads started before the pledge are bound too (SECCOMP_FILTER_FLAG_TSYNC); one started
# after it gets clone3 = ENOSYS and falls back to clone with thread flags, which stdio allows.
run "$V/pledge_threads" "$T/readable"
assert_line "thread before: open = EPERM"
assert_line "thread after: open = EPERM"
assert_exit 0

# pledge(""): only _exit; the victim says nothing more and exits by the always-allowed call.
run "$V/pledge_steps" "pledge:" quiet "open:r:$T/readable" "exit:7"
assert_exit 7

# Kill instead of EPERM, on request: SIGSYS (seccomp's kill), 128+31.
XPLEDGE_VIOLATION=kill run "$V/pledge_steps" "pledge:stdio" "socket:inet"
assert_line "pledge:stdio = ok"
assert_no_line "socket:inet = EPERM"
assert_exit 159

# Ways around the filter after xpledge("stdio proc"): an address pointer whose low half is 0, x32 and i386
# numbers, a filter of the program's own, a user-notification listener, clone3, a vfork child.
run "$V/standalone_escape"
assert_line "high-bits = EPERM"
assert_line "x32 = EPERM"
grep -Fxq "int80 = EPERM" "$T/out" || grep -Fxq "int80 = signal 11" "$T/out" ||
  fail "int80: expected EPERM (or SIGSEGV without i386 emulation)"
grep -Fxq "int80 = signal 11" "$T/out" && echo "NOTE: no i386 emulation here; int80 not reached" >&2
assert_line "own-filter = EPERM"
assert_line "listener = EPERM"
assert_line "clone3 = ENOSYS"
assert_line "vfork = EPERM"
assert_exit 0
