#!/usr/bin/env bash
# Issue 2 / 9: execve from a non-leader thread. The exec'ing thread takes over the leader's pid
# (the tracer sees the tid change), the new program runs with the same pid and its exit status
# is run's; and the new program is still under the policy.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"

xp -p "$POLICIES/allow_all.yaml" -- "$VICTIMS/thread_exec" "$VICTIMS/say_exit" 7
assert_exit 7
pid=$(field "$T/out" pid)
assert_contains "$T/out" "^thread_exec tid=[0-9]+ execs "
tid=$(grep '^thread_exec tid=' "$T/out" | sed 's/.*tid=\([0-9]*\).*/\1/')
[ "$tid" != "$pid" ] || fail "exec did not come from a non-leader thread (tid $tid = pid $pid)"
assert_line "$T/out" "say_exit pid=$pid code=7"
assert_not_contains "$T/out" "pthread_join returned|execv failed"
assert_empty "$T/err"

# After such an exec the process is still supervised: a denied call in the new program is
# denied and logged under the (leader's) pid and the new comm.
POL=$POLICIES/deny_unlinkat.yaml
pos=$(rule_pos "$POL" unlinkat) || exit 1
f=$T/keep-me
: >"$f"
xp -p "$POL" -- "$VICTIMS/thread_exec" "$VICTIMS/try_call" unlinkat "$f"
assert_exit 0
pid=$(grep '^thread_exec pid=' "$T/out" | sed 's/.*pid=\([0-9]*\).*/\1/')
assert_line "$T/out" "pid=$pid calling unlinkat"
assert_line "$T/out" "unlinkat ret=-1 errno=EUCLEAN"
[ -e "$f" ] || fail "denied unlinkat after a thread exec removed $f"
assert_line "$T/err" \
  "xpledge: deny pid=$pid comm=try_call unlinkat(AT_FDCWD, \"$f\", 0) = -1 EUCLEAN rule=deny[0]@$POL:$pos"
assert_lines "$T/err" 1
exit 0
