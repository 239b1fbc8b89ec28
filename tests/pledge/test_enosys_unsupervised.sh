#!/usr/bin/env bash
# Without a supervisor the kernel answers syscall 10000 with ENOSYS, and so does the shim:
# xpledge() returns -1/ENOSYS, restricts nothing, and xpledge_supported() says 0.
# shellcheck source=lib.sh
. "$PLEDGE_TESTS_SRC/lib.sh"

run "$V/pledge_fopen" "$T/readable"
assert_exit 2
assert_line 'xpledge("stdio", NULL) = -1 ENOSYS'
assert_line "fopen(\"$T/readable\", \"r\") = FILE 0"

run "$V/pledge_steps" supported "pledge:stdio" "open:r:$T/readable" "pledge:NULL:NULL"
assert_line "supported = 0"
assert_line "pledge:stdio = ENOSYS"
assert_line "open:r:$T/readable = ok"
assert_line "pledge:NULL:NULL = ENOSYS"
assert_exit 38  # ENOSYS, the last step
