#!/usr/bin/env bash
# Issue 2 / 8: vfork + exec in a traced process: the child runs the new program, the parent
# (suspended until the exec) resumes and exits with the child's status.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
ALLOW=$POLICIES/allow_all.yaml

native "$VICTIMS/vfork_exec" /bin/true
xp -p "$ALLOW" -- "$VICTIMS/vfork_exec" /bin/true
assert_exit 0
assert_line "$T/out" "vfork_exec: child exited 0"
assert_same_as_native

xp -p "$ALLOW" -- "$VICTIMS/vfork_exec" "$VICTIMS/say_exit" 7
assert_exit 7
assert_contains "$T/out" "^say_exit pid=[0-9]+ code=7$"
assert_line "$T/out" "vfork_exec: child exited 7"
assert_lines "$T/out" 2
assert_empty "$T/err"

# exec fails in the vforked child: it _exits 127
native "$VICTIMS/vfork_exec" "$T/no-such-program"
xp -p "$ALLOW" -- "$VICTIMS/vfork_exec" "$T/no-such-program"
assert_exit 127
assert_same_as_native

# the exec'd child dies of a signal
native "$VICTIMS/vfork_exec" "$VICTIMS/exit_status" kill 15
xp -p "$ALLOW" -- "$VICTIMS/vfork_exec" "$VICTIMS/exit_status" kill 15
assert_exit 143
assert_same_as_native
exit 0
