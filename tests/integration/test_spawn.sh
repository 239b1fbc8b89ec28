#!/usr/bin/env bash
# Issue 21: the child is made with vfork (CLONE_VM|CLONE_VFORK from a helper thread) and
# prepares nothing itself between clone and exec. What it used to do with fork must still hold:
# the PATH search and its errors (one line each, exit 126/127), a script without `#!` run by
# /bin/sh, LISTEN_PID/WATCHDOG_PID handed from xpledge to the program, the rest of the
# environment untouched, and the caller's signal mask and ignored signals reaching the program.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
ALLOW=$POLICIES/allow_all.yaml

# --- errors of the exec, as rendered before the child existed ----------------------------------
xp -p "$ALLOW" -- "$T/no/such/cmd"
assert_exit 127
assert_line "$T/err" "xpledge: error: $T/no/such/cmd: No such file or directory"
assert_lines "$T/err" 1
xp -p "$ALLOW" -- "xpledge-no-such-command-$$"
assert_exit 127
assert_line "$T/err" "xpledge: error: xpledge-no-such-command-$$: No such file or directory"
printf 'echo should not run\n' >"$T/noexec"
chmod 644 "$T/noexec"
xp -p "$ALLOW" -- "$T/noexec"
assert_exit 126
assert_line "$T/err" "xpledge: error: $T/noexec: Permission denied"
assert_lines "$T/err" 1
# The JSON log renders the same error as one record.
xp -p "$ALLOW" --log-format json -- "$T/no/such/cmd"
assert_exit 127
msg="$(re_escape "$T/no/such/cmd"): No such file or directory"
assert_contains "$T/err" '"level":"error","message":"'"$msg"'"\}$'
assert_lines "$T/err" 1

# A file without `#!` that is executable: execvp runs it with /bin/sh, as natively.
printf 'echo "script ran with $# args: $*"\n' >"$T/script"
chmod 755 "$T/script"
native "$T/script" a b
xp -p "$ALLOW" -- "$T/script" a b
assert_exit 0
assert_same_as_native
assert_line "$T/out" "script ran with 2 args: a b"

# --- the environment ---------------------------------------------------------------------------
# systemd names the process that owns the sockets: LISTEN_PID=<xpledge> becomes the program's.
cat >"$T/pids.sh" <<'SH'
echo "self=$$ listen=$LISTEN_PID watchdog=$WATCHDOG_PID other=$OTHER_PID"
SH
# xpledge started with LISTEN_PID and WATCHDOG_PID naming itself (exec keeps the shell's pid).
run_with_pids() {
  XP_LAST_CMD="xpledge run $XPLEDGE_RUN_FLAGS (LISTEN_PID=self)"
  timeout -k 5 "$XP_TIMEOUT" sh -c 'LISTEN_PID=$$ WATCHDOG_PID=$$ OTHER_PID=1 exec "$@"' sh \
    "$XPLEDGE" run $XPLEDGE_RUN_FLAGS -p "$ALLOW" -- sh "$T/pids.sh" >"$T/out" 2>"$T/err" </dev/null
  rc=$?
}
run_with_pids
assert_exit 0
read -r self listen watchdog other <"$T/out"
assert_eq "listen=${self#self=}" "$listen" "LISTEN_PID"
assert_eq "watchdog=${self#self=}" "$watchdog" "WATCHDOG_PID"
assert_eq "other=1" "$other" "an unrelated *_PID variable"
# A LISTEN_PID naming another process is left as it is.
LISTEN_PID=1 xp -p "$ALLOW" -- sh "$T/pids.sh"
assert_exit 0
assert_contains "$T/out" " listen=1 "
# Everything else arrives as it was, in the same order.
native env
xp -p "$ALLOW" -- env
assert_exit 0
grep -Ev '^(_|SHLVL)=' "$T/nout" >"$T/nenv"  # set by the shells in between
grep -Ev '^(_|SHLVL)=' "$T/out" >"$T/xenv"
cmp -s "$T/nenv" "$T/xenv" || fail "environment differs: $(diff "$T/nenv" "$T/xenv" | head -20)"

# --- signals: the caller's ignored signals and mask, none of the supervisor's handlers ----------
# (The child gets our dispositions at clone; it resets our handlers, and SIGTTOU/SIGTTIN, which
# we ignore only once it exists, must not reach it ignored.)
cat >"$T/sigs.sh" <<'SH'
exec grep -E '^Sig(Blk|Ign|Cgt):' /proc/self/status
SH
native sh -c 'trap "" TTOU; exec sh "$1"' sh "$T/sigs.sh"
_timed sh -c 'trap "" TTOU; exec "$@"' sh "$XPLEDGE" run $XPLEDGE_RUN_FLAGS -p "$ALLOW" -- \
  sh "$T/sigs.sh"
assert_exit 0
assert_same_as_native
assert_contains "$T/out" '^SigIgn:.*200000$'  # SIGTTOU, kept
# (A signal xpledge forwards or drops, SIGHUP or SIGPIPE, reaches the program at its default even
# when the caller ignored it: our handler replaced SIG_IGN and exec resets handlers. So it was
# with fork.) And SIGTTOU, which xpledge ignores once the child exists, is not ignored in it:
native sh "$T/sigs.sh"
xp -p "$ALLOW" -- sh "$T/sigs.sh"
assert_exit 0
assert_same_as_native
assert_contains "$T/out" '^SigIgn:.*0000$'

exit 0
