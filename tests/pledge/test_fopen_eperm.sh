#!/usr/bin/env bash
# The issue's "Done when": under `xpledge run`, xpledge("stdio", NULL) succeeds and a later
# fopen() for reading fails with EPERM, logged as a violation that names rpath.
# shellcheck source=lib.sh
. "$PLEDGE_TESTS_SRC/lib.sh"

xp "$DENY" "$V/pledge_fopen" "$T/readable"
assert_line 'xpledge("stdio", NULL) = 0 0'
assert_line "fopen(\"$T/readable\", \"r\") = NULL EPERM"
assert_exit 0
assert_denied openat rpath
