#!/usr/bin/env bash
# Issue 3: path rules with access, positioned errors with hints, shipped policies valid and
# working on real programs, JSON log to a file with exactly one record per denial.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
require_ptrace
SHIPPED=$(cd "$TESTS_SRC/../../policies" && pwd -P) || exit 1

# A path rule lets `cat /etc/hostname` through and denies another file, naming the rule.
POL=$POLICIES/etc_read_only.yaml
xp -p "$POL" -- cat /etc/hostname
assert_exit 0
assert_eq "$(cat "$T/out")" "$(cat /etc/hostname)"
assert_empty "$T/err"
echo secret >"$T/secret"
xp -p "$POL" -- cat "$T/secret"
assert_exit 1
assert_contains "$T/err" "^xpledge: deny pid=[0-9]+ comm=cat openat\\(AT_FDCWD, $(re_escape "\"$T/secret\""), O_RDONLY[^)]*\\) = -1 EUCLEAN rule=default@$(re_escape "$POL"):[0-9]+:[0-9]+$"
assert_contains "$T/err" "Structure needs cleaning"
assert_not_contains "$T/out" "secret"

# `xpledge check` on a typo: 125, line and column, a suggestion.
printf 'version: 1\ndefault: allow\ndeny:\n  - opneat\n' >"$T/typo.yaml"
xp_cmd check "$T/typo.yaml"
assert_exit 125
assert_contains "$T/err" "^$(re_escape "$T/typo.yaml"):4:5: error: .*'opneat'.*did you mean 'openat'"

# Every shipped policy passes `xpledge check`.
for f in "$SHIPPED"/default.yaml "$SHIPPED"/examples/*.yaml; do
  xp_cmd check "$f"
  [ "$rc" -eq 0 ] || fail "xpledge check $f exited $rc: $(cat "$T/err")"
done

# check's landlock section (issue 17): which path rights go to the kernel, and why not.
xp_cmd check "$SHIPPED/default.yaml"
got=$(grep -E '^  (read|write|create): ' "$T/out")
want="  read: supervisor only: open (read) is allowed by default: allow
  write: supervisor only: open (write) is allowed by default: allow
  create: supervisor only: open (create) is allowed by default: allow"
[ "$got" = "$want" ] || fail "check default.yaml, landlock section: got
$got"
xp_cmd check "$SHIPPED/examples/build.yaml"
assert_contains "$T/out" "^  read: supervisor only: open \\(read\\) is allowed on any path by the promises$"
assert_contains "$T/out" "^  write: kernel \\(WRITE_FILE\\|TRUNCATE\\), under the supervisor's own checks$"
assert_contains "$T/out" "^  openat: not left to Landlock: reading stays in the supervisor$"
# ...but rpath's read-only opens are decided by their flags in the pre-filter.
assert_contains "$T/out" "^  openat: read(, write)?(, create)? opens run unseen, decided by their flags; the others stop$"

# read-only-fs: reading works, creating a file is denied and has no effect.
xp -p "$SHIPPED/examples/read-only-fs.yaml" -- touch "$T/new"
[ "$rc" -ne 0 ] || fail "touch succeeded under read-only-fs"
[ ! -e "$T/new" ] || fail "touch created $T/new under read-only-fs"
assert_contains "$T/err" "^xpledge: deny .*$(re_escape "\"$T/new\"")"
xp -p "$SHIPPED/examples/read-only-fs.yaml" -- ls /etc
assert_exit 0

# no-network: a TCP connect to 127.0.0.1 is refused at socket(); AF_UNIX still works.
xp -p "$SHIPPED/examples/no-network.yaml" -- bash -c 'exec 3<>/dev/tcp/127.0.0.1/9'
[ "$rc" -ne 0 ] || fail "TCP connect succeeded under no-network"
assert_contains "$T/err" "^xpledge: deny .*socket\\(AF_INET, SOCK_STREAM"

# stdio-only: a filter program runs on its standard streams.
echo hello | timeout 20 "$XPLEDGE" run $XPLEDGE_RUN_FLAGS -p "$SHIPPED/examples/stdio-only.yaml" -- tr a-z A-Z >"$T/out" 2>"$T/err"
assert_eq "$(cat "$T/out")" "HELLO"

# build: cc compiles in a writable directory (/tmp/**).
if command -v cc >/dev/null; then
  printf 'int main(void){return 7;}\n' >"$T/m.c"
  xp -p "$SHIPPED/examples/build.yaml" -- cc -o "$T/m" "$T/m.c"
  assert_exit 0
  "$T/m"; [ $? -eq 7 ] || fail "the program built under build.yaml does not run"
else
  note "SKIP part: no cc"
fi

# JSON Lines to --log-file: exactly one record per denial, nothing on stderr. 100000 stops take
# a few seconds, several times that under ASan on a loaded 2-core machine: the hang limit is
# raised for this run only (it detects hangs; speed is for make bench).
XP_TIMEOUT=120
xp -p "$POLICIES/deny_getppid.yaml" --log-format json --log-file "$T/log.jsonl" -- "$VICTIMS/deny_loop" 100000
assert_exit 0
assert_line "$T/out" "denied=100000 other=0"
assert_empty "$T/err"
n=$(grep -c '"action":"deny"' "$T/log.jsonl")
assert_eq "$n" 100000
assert_eq "$(wc -l <"$T/log.jsonl")" 100000
XP_TIMEOUT=20
python3 -c 'import json,sys
for line in open(sys.argv[1]): json.loads(line)' "$T/log.jsonl" || fail "the log is not valid JSON Lines"
exit 0
