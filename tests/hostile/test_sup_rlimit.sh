#!/usr/bin/env bash
# Review 2 of issue 15: a tracee sets the supervisor's resource limits with prlimit64(2), which
# needs only matching uids (no ptrace access check: non-dumpability and Landlock do not apply).
# With the supervisor's soft RLIMIT_NOFILE at 0 while a thread was created, the supervisor could
# not read /proc/TID/status, read_tgid() gave 0 and the thread was taken for a new process with
# an unpledged copy of the state; after the main thread pledged "stdio" the thread opened a file.
# Now the guard refuses setting the supervisor's limits (guard:reach-supervisor), and a child
# whose thread group cannot be read is killed. Run unprivileged (root has CAP_SYS_RESOURCE).
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
echo secret >"$T/secret"
chmod 0644 "$T/secret"
hx --as-user -p "$POLICIES/path_race.yaml" -- "$A/sup_rlimit" "$T/secret"
note "$(cat "$T/out")"
assert_held
assert_ok control nofile-thread
assert_logged "deny pid=[0-9]+ comm=sup_rlimit prlimit64\\(.* = -1 EPERM rule=guard:reach-supervisor"
exit 0
