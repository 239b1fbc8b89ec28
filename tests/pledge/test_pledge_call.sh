#!/usr/bin/env bash
# The call itself: narrowing works, widening is EPERM, unknown names EINVAL, an unreadable
# pointer EFAULT, NULL leaves a set unchanged; nothing changes when the call fails.
# shellcheck source=lib.sh
. "$PLEDGE_TESTS_SRC/lib.sh"

xp "$DENY" "$V/pledge_steps" supported "pledge:NULL:NULL" "pledge:stdio rpath wpath" "pledge:stdio rpath" \
  "pledge:stdio rpath" "pledge:stdio wpath" "pledge:stdio inet" "open:r:$T/readable"
assert_line "supported = 1"
assert_line "pledge:NULL:NULL = ok"
assert_line "pledge:stdio rpath wpath = ok"
assert_line "pledge:stdio rpath = ok"            # narrowing
assert_line "pledge:stdio rpath = ok"            # the same set again
assert_line "pledge:stdio wpath = EPERM"         # widening (wpath was dropped)
assert_line "pledge:stdio inet = EPERM"
assert_line "open:r:$T/readable = ok"            # the failed calls changed nothing
assert_exit 0

xp "$DENY" "$V/pledge_steps" "pledge:stdio rpath bogus" "pledge:stdio Rpath" "pledge:abort" \
  "open:w:$T/writable"
assert_line "pledge:stdio rpath bogus = EINVAL"
assert_line "pledge:stdio Rpath = EINVAL"        # names are case-sensitive, as OpenBSD
assert_line "pledge:abort = EINVAL"              # a 2015 promise, gone since
assert_line "open:w:$T/writable = ok"            # still unpledged
assert_exit 0

xp "$DENY" "$V/pledge_steps" "pledge:BADPTR" "pledge:stdio:BADPTR" "pledge:NULL:bogus" \
  "open:w:$T/writable"
assert_line "pledge:BADPTR = EFAULT"
assert_line "pledge:stdio:BADPTR = EFAULT"
assert_line "pledge:NULL:bogus = EINVAL"
assert_line "open:w:$T/writable = ok"
assert_exit 0
