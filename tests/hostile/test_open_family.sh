#!/usr/bin/env bash
# open, openat, creat and openat2 are one path family: a deny path rule written on any one of
# them holds for all four. Before, `deny openat` on a file was stepped around with open() or
# openat2(), and creat() truncated it.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
for call in openat open creat openat2; do
  echo "the secret" >"$T/secret"
  cat >"$T/policy.yaml" <<YAML
version: 1
default: allow
deny:
  - { syscall: $call, path: "$T/secret", errno: EUCLEAN }
YAML
  hx -p "$T/policy.yaml" -- "$A/open_family" "$T"
  note "rule on $call: $(tr '\n' ' ' <"$T/out")"
  assert_held
  assert_ok family-openat family-open family-creat family-openat2
  for got in openat open creat openat2; do
    assert_logged "deny pid=[0-9]+ comm=open_family $got\\(.*\"$T/secret\".* = -1 EUCLEAN rule=deny\\[0\\]"
  done
  [ "$(cat "$T/secret")" = "the secret" ] || fail "rule on $call: the secret was truncated"
done
exit 0
