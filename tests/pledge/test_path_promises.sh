#!/usr/bin/env bash
# stdio alone cannot open; rpath reads but does not write; wpath writes but does not imply rpath;
# cpath is needed to create. Each refusal is EPERM and logged with the promise it needs.
# shellcheck source=lib.sh
. "$PLEDGE_TESTS_SRC/lib.sh"

xp "$DENY" "$V/pledge_steps" "pledge:stdio" "open:r:$T/readable"
assert_line "pledge:stdio = ok"
assert_line "open:r:$T/readable = EPERM"
assert_exit 1
assert_denied open rpath

xp "$DENY" "$V/pledge_steps" "pledge:stdio rpath" "open:r:$T/readable" "open:w:$T/writable"
assert_line "open:r:$T/readable = ok"
assert_line "open:w:$T/writable = EPERM"
assert_exit 1
assert_denied open wpath

xp "$DENY" "$V/pledge_steps" "pledge:stdio wpath" "open:w:$T/writable" "open:r:$T/readable"
assert_line "open:w:$T/writable = ok"
assert_line "open:r:$T/readable = EPERM"          # wpath does not imply rpath
assert_exit 1
assert_denied open rpath

xp "$DENY" "$V/pledge_steps" "pledge:stdio rpath wpath" "open:c:$T/new" "pledge:stdio cpath" "open:c:$T/new2"
assert_line "open:c:$T/new = EPERM"
assert_line "open:c:$T/new2 = EPERM"               # cpath was never held: widening refused
assert_line "pledge:stdio cpath = EPERM"
[ ! -e "$T/new" ] || fail "$T/new was created"
assert_denied open cpath

xp "$DENY" "$V/pledge_steps" "pledge:stdio wpath cpath" "open:c:$T/new"
assert_line "open:c:$T/new = ok"
assert_exit 0
[ -e "$T/new" ] || fail "$T/new was not created"
assert_no_denial
