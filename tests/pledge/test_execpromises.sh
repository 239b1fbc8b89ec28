#!/usr/bin/env bash
# After a successful execve the new image runs under the execpromises. A dynamically linked
# image needs rpath (ld.so opens libc) and prot_exec (maps it executable) to start at all.
# shellcheck source=lib.sh
. "$PLEDGE_TESTS_SRC/lib.sh"

xp "$DENY" "$V/pledge_steps" "pledge:stdio rpath prot_exec exec:stdio rpath prot_exec" \
  exec "$V/pledge_steps" "open:r:$T/readable" "open:w:$T/writable" "pledge:stdio rpath wpath"
assert_line "pledge:stdio rpath prot_exec exec:stdio rpath prot_exec = ok"
assert_line "open:r:$T/readable = ok"
assert_line "open:w:$T/writable = EPERM"
assert_line "pledge:stdio rpath wpath = EPERM"
assert_exit 1

# Without execpromises the new image starts unpledged (OpenBSD).
xp "$DENY" "$V/pledge_steps" "pledge:stdio rpath prot_exec exec" exec "$V/pledge_steps" "open:w:$T/writable"
assert_line "open:w:$T/writable = ok"
assert_exit 0

# exec needs the exec promise.
xp "$DENY" "$V/pledge_steps" "pledge:stdio rpath" exec "$V/pledge_steps" "exit:0"
assert_line "exec = EPERM"
assert_exit 1
assert_denied execve exec
