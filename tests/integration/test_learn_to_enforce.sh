#!/usr/bin/env bash
# docs/systemd.md's five commands, without systemd (issue 20): learn -o, check, run
# --permissive (nothing would be refused for the learned workload; a new one is logged as
# "would deny" and still works), then enforce (the learned workload runs, the new one is refused).
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
# shellcheck source=learn_lib.sh
. "$TESTS_SRC/learn_lib.sh"
XP_TIMEOUT=${XP_TIMEOUT_LEARN:-120}
mkdir -p "$T/www/old" "$T/www/new"
echo old >"$T/www/old/page"
echo new >"$T/www/new/page"

note "1. learn -o, 2. check"
XP_LAST_CMD="xpledge learn -o web.yaml -- cat www/old/page"
timeout -k 5 "$XP_TIMEOUT" "$XPLEDGE" learn -o "$T/web.yaml" -- cat "$T/www/old/page" \
  >"$T/out" 2>"$T/err" </dev/null
rc=$?
assert_exit 0
assert_line "$T/out" old
xp_cmd check "$T/web.yaml"
assert_exit 0

note "3-4. permissive: the learned workload would be refused nothing; a new one is logged, runs"
xp --permissive -p "$T/web.yaml" -- cat "$T/www/old/page"
assert_exit 0
assert_line "$T/out" old
assert_not_contains "$T/err" '^xpledge: (would )?(deny|kill) '
xp --permissive -p "$T/web.yaml" -- cat "$T/www/new/page"
assert_exit 0
assert_line "$T/out" new
assert_contains "$T/err" "^xpledge: would deny pid=[0-9]+ comm=cat openat\\(AT_FDCWD, $(re_escape "\"$T/www/new/page\"").*\\(-1 EACCES if enforced\\) rule="

note "5. enforce: the learned workload runs, the new one is refused"
xp -p "$T/web.yaml" -- cat "$T/www/old/page"
assert_exit 0
assert_line "$T/out" old
assert_not_contains "$T/err" '^xpledge: (deny|kill) '
xp -p "$T/web.yaml" -- cat "$T/www/new/page"
[ "$rc" -ne 0 ] || fail "the enforced policy let cat read a file it never learned"
assert_contains "$T/err" "Permission denied"  # EACCES, the policy's errno and Landlock's
if landlock_decides_opens "$T/web.yaml"; then
  # Landlock decides cat's opens without a stop (xpledge check says so): no log line.
  assert_not_contains "$T/err" "^xpledge: deny .*openat"
else
  assert_contains "$T/err" "^xpledge: deny pid=[0-9]+ comm=cat openat\\(AT_FDCWD, $(re_escape "\"$T/www/new/page\"").* = -1 EACCES rule="
fi

note "6. a learned policy keeps the built-in default's argument limits (include: [builtin:default])"
XP_LAST_CMD="xpledge learn -o ns.yaml -- try_call unshare 0"
timeout -k 5 "$XP_TIMEOUT" "$XPLEDGE" learn -o "$T/ns.yaml" -- "$VICTIMS/try_call" unshare 0 \
  >"$T/out" 2>"$T/err" </dev/null
rc=$?
assert_exit 0
assert_contains "$T/ns.yaml" '^include: \[builtin:default\]$'
xp -p "$T/ns.yaml" -- "$VICTIMS/try_call" unshare 0
assert_exit 0
assert_contains "$T/out" '^unshare ret=0 errno=0$'
xp -p "$T/ns.yaml" -- "$VICTIMS/try_call" unshare 0x10000000  # CLONE_NEWUSER
assert_contains "$T/out" '^unshare ret=-1 errno=EACCES$'
assert_contains "$T/err" "^xpledge: deny pid=[0-9]+ comm=try_call unshare\\(.* = -1 EACCES rule=deny\\[[0-9]+\\]@<default>:"
exit 0
