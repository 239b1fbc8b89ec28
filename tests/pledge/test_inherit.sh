#!/usr/bin/env bash
# Promises belong to the process: a forked child inherits them (and cannot widen them), and
# every thread is bound, started before the pledge or after it.
# shellcheck source=lib.sh
. "$PLEDGE_TESTS_SRC/lib.sh"

xp "$DENY" "$V/pledge_steps" "pledge:stdio proc" fork "open:r:$T/readable" "pledge:stdio proc rpath"
assert_line "pledge:stdio proc = ok"
assert_line "open:r:$T/readable = EPERM"
assert_line "pledge:stdio proc rpath = EPERM"
assert_line "fork = exited 1"
assert_exit 1

# fork itself needs proc.
xp "$DENY" "$V/pledge_steps" "pledge:stdio" fork "exit:0"
assert_line "fork = EPERM"
assert_exit 1
assert_denied "(clone|fork)" proc

xp "$DENY" "$V/pledge_threads" "$T/readable"
assert_line 'xpledge("stdio", NULL) = 0 0'
assert_line "thread before: open = EPERM"
assert_line "thread after: create = ok"
assert_line "thread after: open = EPERM"
assert_exit 0
