#!/usr/bin/env bash
# Issue 6 / 3: the path-argument race (TOCTOU). A thread opens a buffer naming an allowed file
# while another flips it, millions of times, to name a forbidden one (a path rule denies it).
# The supervisor pins the checked bytes in a read-only scratch area the kernel reads instead, so
# the forbidden file is never opened, and the refusals it saw are logged.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
SECONDS_RUN=${XP_PATH_RACE_SECONDS:-3}
XP_TIMEOUT=$((SECONDS_RUN * 10 + 20))
echo allowed >"$T/allowed"
echo secret >"$T/forbiddn"

# The race is real: natively nothing stops the open, and the flipper really flips.
native "$A/path_race" "$T" 0.2
grep -q '^ok path-race: .* [1-9][0-9]* flips' "$T/nout" ||
  grep -q '^BYPASS path-race' "$T/nout" || fail "the attack does not run natively: $(cat "$T/nout" "$T/nerr")"

hx -p "$POLICIES/path_race.yaml" -- "$A/path_race" "$T" "$SECONDS_RUN"
note "$(cat "$T/out")"
assert_held
assert_ok path-race
assert_logged "deny pid=[0-9]+ (tid=[0-9]+ )?comm=path_race openat\\(AT_FDCWD, \".*/forbiddn\", .* = -1 EUCLEAN "
exit 0
