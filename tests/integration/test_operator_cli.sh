#!/usr/bin/env bash
# The command line's own mistakes (issue 20): a misspelt subcommand or option gets a "did you
# mean" hint, --log-file does not create a missing directory, policy errors come in line order.
# Every one exits 125 before CMD runs.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"

note "misspelt subcommands and options"
xp_cmd chek
assert_exit 125
assert_line "$T/err" "xpledge: error: unknown command 'chek' (did you mean 'check'?)"
assert_line "$T/err" "Try 'xpledge --help'."
xp_cmd import ocii "$T/p.json"
assert_exit 125
assert_line "$T/err" "xpledge: error: unknown command 'ocii' (did you mean 'oci'?)"
assert_line "$T/err" "Try 'xpledge import --help'."
# shellcheck disable=SC2086  # XPLEDGE_RUN_FLAGS is a list of flags
xp_cmd run $XPLEDGE_RUN_FLAGS --polcy "$POLICIES/allow_all.yaml" -- touch "$T/ran"
assert_exit 125
assert_line "$T/err" "xpledge: error: unknown option '--polcy' (did you mean '--policy'?)"
assert_line "$T/err" "Try 'xpledge run --help'."
[ ! -e "$T/ran" ] || fail "run with a misspelt option ran CMD"
xp_cmd learn -o "$T/l.yaml" --mrege "$T/m.yaml" -- true
assert_exit 125
assert_line "$T/err" "xpledge: error: unknown option '--mrege' (did you mean '--merge'?)"
# An option of CMD is CMD's: not ours to judge.
xp_cmd run $XPLEDGE_RUN_FLAGS -p "$POLICIES/allow_all.yaml" -- sh -c 'exit 0' --polcy
assert_exit 0
# A word close to nothing gets no hint, and something else than CLI11's words.
xp_cmd frobnicate
assert_exit 125
assert_line "$T/err" "xpledge: error: unknown command 'frobnicate'"

note "--log-file in a missing directory is an error; the directory is not created"
xp_cmd run $XPLEDGE_RUN_FLAGS --log-file "$T/no/such/dir/x.log" -- touch "$T/ran"
assert_exit 125
assert_line "$T/err" "xpledge: error: cannot open log file $T/no/such/dir/x.log: No such file or directory (its directory is not created)"
[ ! -e "$T/no" ] || fail "--log-file created the missing directory"
[ ! -e "$T/ran" ] || fail "run with a bad --log-file ran CMD"

note "policy errors in line order"
printf 'version: 1\ndefault: dney\nerrno: EPREM\nallow:\n  - opneat\nabis: [x86_46]\nversion: 1\n' >"$T/bad.yaml"
xp_cmd check "$T/bad.yaml"
assert_exit 125
cat >"$T/bad.want" <<EOF
$T/bad.yaml:2:10: error: 'default' must be one of allow, deny, kill; got 'dney'
$T/bad.yaml:3:8: error: unknown errno 'EPREM' (did you mean 'EPERM'?)
$T/bad.yaml:5:5: error: unknown syscall 'opneat' (did you mean 'openat'?)
$T/bad.yaml:6:8: error: unknown ABI 'x86_46' (expected x86_64, i386 or x32)
$T/bad.yaml:7:1: error: duplicate key 'version' (first at 1:1)
xpledge: 5 errors in $T/bad.yaml; not starting the command
EOF
diff -u "$T/bad.want" "$T/err" >&2 || fail "check: policy errors not in line order"
