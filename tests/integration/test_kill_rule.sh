#!/usr/bin/env bash
# Issue 2 / 3: a syscall on the kill list kills the calling process (its whole thread group) with
# SIGKILL before the call has any effect, logged as `xpledge: kill`. run exits 137 when that
# process was the main child; a killed grandchild is just a child that died of signal 9.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
POL=$POLICIES/kill_mkdir.yaml
pos=$(rule_pos "$POL" mkdir) || exit 1
d=$T/newdir

kill_line_re() {  # WHO: "pid=N" or, for a thread, "pid=[0-9]+ tid=N"
  printf '^xpledge: kill %s comm=try_call mkdir\\(%s, [^)]*\\) rule=kill\\[0\\]@%s$' \
    "$1" "$(re_escape "\"$d\"")" "$(re_escape "$POL:$pos")"
}

# main thread of the main child
xp -p "$POL" -- "$VICTIMS/try_call" mkdir "$d"
assert_exit 137
pid=$(field "$T/out" pid)
[ -n "$pid" ] || fail "victim printed no pid before the call"
assert_not_contains "$T/out" "^mkdir ret="
[ ! -e "$d" ] || fail "the killed mkdir created $d"
assert_contains "$T/err" "$(kill_line_re "pid=$pid")"
assert_lines "$T/err" 1

# a second thread: the whole process dies, the main thread never prints "joined"
xp -p "$POL" -- "$VICTIMS/try_call" thread:mkdir "$d"
assert_exit 137
tid=$(field "$T/out" pid)
assert_not_contains "$T/out" "^(mkdir ret=|joined)"
[ ! -e "$d" ] || fail "the killed mkdir (thread) created $d"
assert_contains "$T/err" "$(kill_line_re "pid=[0-9]+ tid=$tid")"
assert_lines "$T/err" 1

# a forked child: it dies of SIGKILL, its parent sees that and exits 0
xp -p "$POL" -- "$VICTIMS/try_call" fork:mkdir "$d"
assert_exit 0
cpid=$(field "$T/out" pid)
assert_line "$T/out" "child status=signal 9"
assert_not_contains "$T/out" "^mkdir ret="
[ ! -e "$d" ] || fail "the killed mkdir (child) created $d"
assert_contains "$T/err" "$(kill_line_re "pid=$cpid")"
assert_lines "$T/err" 1
exit 0
