#!/usr/bin/env bash
# Issue 6 / 2: open_by_handle_at (an open with no path to check) is denied even under
# `default: allow` (guard:unchecked-io), and by the default policy's rule.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
echo data >"$T/file"

hx -p "$POLICIES/allow_all.yaml" -- "$A/open_by_handle" EPERM "$T/file"
assert_held
assert_ok open_by_handle_at
assert_logged "deny pid=[0-9]+ comm=open_by_handle open_by_handle_at\\(.* = -1 EPERM rule=guard:unchecked-io$"

hx -- "$A/open_by_handle" EPERM "$T/file"
assert_held
assert_logged "deny pid=[0-9]+ comm=open_by_handle open_by_handle_at\\(.* = -1 EPERM rule=deny\\[[0-9]+\\]@<default>"
exit 0
