#!/usr/bin/env bash
# Issue 2 / 14: the first exec (of CMD) is not subject to the policy, so a policy denying execve
# still starts CMD; but CMD cannot exec anything else: it sees EUCLEAN.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
POL=$POLICIES/deny_exec.yaml
pos=$(rule_pos "$POL" execve) || exit 1

xp -p "$POL" -- "$VICTIMS/try_call" execve /bin/true
assert_exit 0
pid=$(field "$T/out" pid)
[ -n "$pid" ] || fail "CMD did not start under a policy denying execve"
assert_line "$T/out" "execve ret=-1 errno=EUCLEAN"
assert_contains "$T/err" \
  "^xpledge: deny pid=$pid comm=try_call execve\\(\"/bin/true\", .*\\) = -1 EUCLEAN rule=deny\\[0\\]@$(re_escape "$POL:$pos")\$"
assert_lines "$T/err" 1

# The same from a vforked child: its execv fails, it _exits 127, the parent passes that on.
xp -p "$POL" -- "$VICTIMS/vfork_exec" /bin/true
assert_exit 127
assert_line "$T/out" "vfork_exec: child exited 127"
assert_contains "$T/err" \
  "^xpledge: deny pid=[0-9]+ comm=vfork_exec execve\\(\"/bin/true\", .*\\) = -1 EUCLEAN rule=deny\\[0\\]@$(re_escape "$POL:$pos")\$"
assert_lines "$T/err" 1
exit 0
