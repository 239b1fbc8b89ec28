#!/usr/bin/env bash
# --stats counts a call once, with what was done: the first path-checked call of a process
# attaches the scratch area and restarts (it was counted twice, issue 18's closing note); a
# call that is refused is counted as denied.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
[ -r /proc/sysvipc/shm ] || skip "no /proc/sysvipc/shm: System V shm is not available here"
printf 'version: 1\ndefault: allow\ndeny:\n  - { syscall: mkdir, path: "/**/forbiddn", errno: EUCLEAN }\n' >"$T/p.yaml"

# mkdir is the only call with a path rule: its first stop attaches the scratch area (the call
# restarts and stops again), so this one call stopped twice.
xp --stats -p "$T/p.yaml" -- "$VICTIMS/try_call" mkdir "$T/made"
assert_exit 0
assert_contains "$T/out" '^mkdir ret=0 errno=0$'
assert_contains "$T/err" '^xpledge: +1 +0 +0 +0  mkdir$'

xp --stats -p "$T/p.yaml" -- "$VICTIMS/try_call" mkdir "$T/forbiddn"
assert_contains "$T/out" '^mkdir ret=-1 errno=EUCLEAN$'
assert_contains "$T/err" '^xpledge: +1 +1 +0 +0  mkdir$'
exit 0
