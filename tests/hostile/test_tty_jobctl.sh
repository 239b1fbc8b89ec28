#!/usr/bin/env bash
# Review 3 (setpgid guard, issue 16): the terminal's job control stops the supervisor. Run as an
# interactive shell would run it (its own process group, the foreground of a pty; pty_job.py),
# the tracee sets TOSTOP, moves a child into a group of its own and gives it the terminal
# (TIOCSPGRP). The supervisor's next record on the terminal (a denied getppid) makes the kernel
# send SIGTTOU to the supervisor's group: it stopped, and with it every tracee's next checked
# call, until someone continued it (here pty_job.py, which records the stop). No kill, no setpgid
# into the supervisor's group: Landlock's signal scope and the guards never saw a signal. Now the
# supervisor ignores SIGTTOU and SIGTTIN once its child exists (the program keeps its own).
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
command -v python3 >/dev/null 2>&1 || skip "python3 is missing (pty_job.py)"

XP_LAST_CMD="pty_job.py xpledge run $XPLEDGE_RUN_FLAGS -p deny_getppid.yaml -- tty_jobctl"
: >"$T/stops"
# shellcheck disable=SC2086
timeout -k 5 60 python3 "$TESTS_SRC/pty_job.py" "$T/tty" "$T/stops" -- \
  bash -c 'exec "$@" >"$0"' "$T/out" \
  "$XPLEDGE" run $XPLEDGE_RUN_FLAGS -p "$POLICIES/deny_getppid.yaml" -- "$A/tty_jobctl"
rc=$?
[ "$rc" -ne 124 ] || fail "the run did not finish (hang)"
grep -q '^SKIP ' "$T/out" && skip "$(cat "$T/out")"
[ ! -s "$T/stops" ] || fail "the supervisor's job was stopped by the terminal: $(cat "$T/stops") (22 = SIGTTOU)
$(cat "$T/out")"
assert_held
assert_ok tty-background-sigttou
exit 0
