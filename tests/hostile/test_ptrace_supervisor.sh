#!/usr/bin/env bash
# Issue 6 / 2: a tracee cannot become the supervisor's tracer (PTRACE_ATTACH, PTRACE_SEIZE of
# getppid()). Under the default policy ptrace is denied (and logged); under a policy that allows
# ptrace the kernel refuses, because the supervisor is non-dumpable. That second part runs
# without privileges (as nobody when the tests run as root): root ignores dumpability, see
# test_root_tracee.sh.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"

hx -- "$A/ptrace_supervisor"
assert_held
assert_ok ptrace-attach-supervisor ptrace-seize-supervisor
assert_count "$T/err" '^xpledge: deny pid=[0-9]+ comm=ptrace_supervis ptrace\(.* = -1 EPERM rule=deny\[0\]@<default>' 2

hx --as-user -p "$POLICIES/allow_all.yaml" -- "$A/ptrace_supervisor"
assert_held
assert_ok ptrace-attach-supervisor ptrace-seize-supervisor
exit 0
