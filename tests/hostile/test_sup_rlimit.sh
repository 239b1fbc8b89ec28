#!/usr/bin/env bash
# Review 2 of issue 15: a tracee sets the supervisor's resource limits with prlimit64(2), which
# needs only matching uids (no ptrace access check: non-dumpability and Landlock do not apply;
# the guard does not look at its pid). With the supervisor's soft RLIMIT_NOFILE at 0 while a
# thread is created, the supervisor cannot read /proc/TID/status: read_tgid() gives 0 and the
# thread is taken for a new process with an unpledged copy of the state; after the main thread
# pledges "stdio" the thread opens a file. Run unprivileged (root would have CAP_SYS_RESOURCE).
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
OPEN_FINDING="sup_rlimit: prlimit64 on the supervisor (RLIMIT_NOFILE 0) makes it take a new thread for an unpledged process"
echo secret >"$T/secret"
chmod 0644 "$T/secret"
hx --as-user -p "$POLICIES/path_race.yaml" -- "$A/sup_rlimit" "$T/secret"
note "$(cat "$T/out")"
assert_held
assert_ok control nofile-thread
exit 0
