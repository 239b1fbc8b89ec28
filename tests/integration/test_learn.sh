#!/usr/bin/env bash
# xpledge learn (issue 7): for real programs (ls -l, python3 -c, cc -c, tar), `learn` writes a
# policy that loads, and `run --policy learned.yaml` gives the same output with no denial; then
# removing one line of the learned policy makes the call it allowed fail, with a deny line naming
# it. Also: learn exits with CMD's status, needs -o (-o - for stdout), --merge accumulates runs
# (and merging a run again changes nothing), --base records only what the base does not allow.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
# shellcheck source=learn_lib.sh
. "$TESTS_SRC/learn_lib.sh"

# Every call stops while learning: slower than a run.
XP_TIMEOUT=${XP_TIMEOUT_LEARN:-120}

cd "$T" || fail "cannot cd to $T"

# learn NAME ARGS...: xpledge learn -o $T/NAME.yaml -- ARGS in $T; stdout -> $T/out,
# stderr -> $T/err, status -> $rc. Fails on a hang or when no policy was written.
learn() {
  local name=$1
  shift
  XP_LAST_CMD="xpledge learn -o $T/$name.yaml -- $*"
  rm -f "$T/$name.yaml"
  timeout -k 5 "$XP_TIMEOUT" "$XPLEDGE" learn -o "$T/$name.yaml" -- "$@" >"$T/out" 2>"$T/err" </dev/null
  rc=$?
  [ "$rc" -ne 124 ] || fail "xpledge learn did not finish within ${XP_TIMEOUT}s (hang)"
  [ -s "$T/$name.yaml" ] || fail "xpledge learn wrote no policy to $name.yaml"
}

# check_policy FILE: `xpledge check` accepts it.
check_policy() {
  timeout -k 5 "$XP_TIMEOUT" "$XPLEDGE" check "$1" >"$T/check.out" 2>"$T/check.err" </dev/null ||
    fail "xpledge check rejects $(basename "$1"): $(head -c 2000 "$T/check.err")"
}

# no_refusal: the last xp run logged no deny and no kill, but for the $PATH misses learn drops.
no_refusal() {
  refusals "$T/err" "$T/refused"
  assert_empty "$T/refused"
}

# drop_line FILE ERE OUT: OUT is FILE without the one line matching ERE (fails unless exactly one
# line matches).
drop_line() {
  local n
  n=$(grep -Ec -- "$2" "$1")
  [ "$n" -eq 1 ] || fail "$(basename "$1"): expected one line matching /$2/, found $n"
  grep -Ev -- "$2" "$1" >"$3"
}

# drop_path FILE SYSCALL PATH_ERE OUT: OUT is FILE without the path lines matching PATH_ERE in
# the path rules of SYSCALL (fails unless at least one was removed).
drop_path() {
  awk -v sc="$2" -v re="$3" '
    /^  - syscall: / { cur = $3 }
    /^  - [a-z]/ && !/^  - syscall: / { cur = "" }
    cur == sc && /^      - / { p = $0; sub(/^      - /, "", p); gsub(/"/, "", p)
                              if (p ~ re) { dropped++; next } }
    { print }
    END { exit dropped ? 0 : 1 }' "$1" >"$4" ||
    fail "$(basename "$1"): no path matching /$3/ in the rules of $2"
}

# round_trip NAME PREP ARGS...: native run, learn, check, run under the learned policy: same
# stdout and status each time, no refusal. PREP is a command run before each of the three (to
# restore the working directory's state), or ':'.
round_trip() {
  local name=$1 prep=$2
  shift 2
  note "round trip: $*"
  $prep
  native "$@"
  cp "$T/nout" "$T/$name.native"
  $prep
  learn "$name" "$@"
  assert_exit "$nrc"
  cmp -s "$T/nout" "$T/out" || fail "$name: stdout under learn differs from the native run:
$(diff "$T/nout" "$T/out" | head -20)"
  assert_not_contains "$T/err" '^xpledge: (deny|kill) '
  check_policy "$T/$name.yaml"
  $prep
  xp --policy "$T/$name.yaml" -- "$@"
  no_refusal
  assert_exit "$nrc"
  cmp -s "$T/$name.native" "$T/out" || fail "$name: stdout under the learned policy differs:
$(diff "$T/$name.native" "$T/out" | head -20)"
}

ran=()

# --- ls -l: a path rule (/etc/passwd) and a call by name (getdents64) ---------------------------
round_trip ls : ls -l /etc
ran+=(ls)
drop_path "$T/ls.yaml" openat '^/etc/passwd$' "$T/ls-nopasswd.yaml"
check_policy "$T/ls-nopasswd.yaml"
xp --policy "$T/ls-nopasswd.yaml" -- ls -l /etc
assert_contains "$T/err" '^xpledge: deny .*openat\(.*"/etc/passwd"'
drop_line "$T/ls.yaml" '^  - getdents64( |$)' "$T/ls-nogetdents.yaml"
check_policy "$T/ls-nogetdents.yaml"
xp --policy "$T/ls-nogetdents.yaml" -- ls -l /etc
assert_contains "$T/err" '^xpledge: deny .*getdents64\('
[ "$rc" -ne 0 ] || fail "ls listed /etc without getdents64"

# --- python3 -c ------------------------------------------------------------------------------------
if command -v python3 >/dev/null 2>&1; then
  round_trip py : python3 -c 'print(sum(range(10)))'
  assert_line "$T/out" 45
  ran+=(python3)
  drop_line "$T/py.yaml" '^  - getdents64( |$)' "$T/py-nogetdents.yaml"
  xp --policy "$T/py-nogetdents.yaml" -- python3 -c 'print(sum(range(10)))'
  assert_contains "$T/err" '^xpledge: deny .*getdents64\('
else
  echo "SKIP: [$TEST_NAME] python3 round trip: python3 is not installed" >&2
fi

# --- cc -c: temporary files (/tmp/ccXXXXXX.s), several processes -----------------------------
if command -v cc >/dev/null 2>&1; then
  printf 'int twice(int x) { return 2 * x; }\n' >"$T/hello.c"
  clean_obj() { rm -f "$T/hello.o"; }
  round_trip cc clean_obj cc -c hello.c -o hello.o
  [ -s "$T/hello.o" ] || fail "cc under the learned policy wrote no hello.o"
  ran+=(cc)
  # hello.c is read (and hello.o written) under the tree of its directory (issue 20).
  drop_path "$T/cc.yaml" openat "^$(re_escape "$T")/\\*\\*\$" "$T/cc-nosource.yaml"
  clean_obj
  xp --policy "$T/cc-nosource.yaml" -- cc -c hello.c -o hello.o
  assert_contains "$T/err" '^xpledge: deny .*openat\(.*hello\.c"'
  [ "$rc" -ne 0 ] || fail "cc compiled hello.c without reading it"
else
  echo "SKIP: [$TEST_NAME] cc round trip: no C compiler installed" >&2
fi

# --- tar ---------------------------------------------------------------------------------------
round_trip tar : tar -cf /dev/null /usr/include/stdio.h
ran+=(tar)
# The file's directory became a tree (issue 20), whichever stat call tar uses for it.
n=$(grep -Ec '^      - /usr/include/\*\*$' "$T/tar.yaml")
[ "$n" -ge 1 ] || fail "tar.yaml has no path rule for /usr/include/**"
grep -Ev '^      - /usr/include/\*\*$' "$T/tar.yaml" >"$T/tar-nofile.yaml"
xp --policy "$T/tar-nofile.yaml" -- tar -cf /dev/null /usr/include/stdio.h
assert_contains "$T/err" '^xpledge: deny .*"/usr/include/stdio\.h"'
[ "$rc" -ne 0 ] || fail "tar archived a file it could not stat"

# --- exit status, stdout, --merge, --base -------------------------------------------------------
note "learn exits with CMD's status and still writes the policy"
learn status sh -c 'exit 3'
assert_exit 3
check_policy "$T/status.yaml"

# Issue 20: `learn -- CMD > file` mixed CMD's output into the policy. The policy goes to -o
# only: without -o, nothing runs (exit 125); -o - asks for stdout explicitly, after CMD's output.
note "learn without -o refuses before CMD runs; -o - writes the policy after CMD's output"
xp_cmd learn -- touch "$T/ran"
assert_exit 125
assert_contains "$T/err" "^xpledge: error: learn needs -o FILE"
assert_empty "$T/out"
[ ! -e "$T/ran" ] || fail "learn without -o ran CMD"
XP_LAST_CMD="xpledge learn -o - -- echo hello"
timeout -k 5 "$XP_TIMEOUT" "$XPLEDGE" learn -o - -- echo hello >"$T/out" 2>"$T/err" </dev/null
rc=$?
assert_exit 0
[ "$(head -n 1 "$T/out")" = hello ] || fail "learn -o -: CMD's output is not first"
tail -n +2 "$T/out" >"$T/stdout.yaml"
check_policy "$T/stdout.yaml"
note "learn -o FILE: CMD's stdout stays CMD's, the file holds the policy alone"
XP_LAST_CMD="xpledge learn -o echo.yaml -- echo hello"
timeout -k 5 "$XP_TIMEOUT" "$XPLEDGE" learn -o "$T/echo.yaml" -- echo hello >"$T/out" 2>"$T/err" </dev/null
rc=$?
assert_exit 0
assert_line "$T/out" hello
assert_lines "$T/out" 1
assert_not_contains "$T/echo.yaml" "^hello$"
check_policy "$T/echo.yaml"

note "--merge: one policy for two programs; merging the same run again changes nothing"
XP_LAST_CMD="xpledge learn --merge ls.yaml -o merged.yaml -- tar ..."
timeout -k 5 "$XP_TIMEOUT" "$XPLEDGE" learn --merge "$T/ls.yaml" -o "$T/merged.yaml" -- \
  tar -cf /dev/null /usr/include/stdio.h >"$T/out" 2>"$T/err" </dev/null
rc=$?
assert_exit 0
check_policy "$T/merged.yaml"
assert_line "$T/merged.yaml" '# run: ls -l /etc'
assert_line "$T/merged.yaml" '# run: tar -cf /dev/null /usr/include/stdio.h'
xp --policy "$T/merged.yaml" -- ls -l /etc
no_refusal
xp --policy "$T/merged.yaml" -- tar -cf /dev/null /usr/include/stdio.h
no_refusal
timeout -k 5 "$XP_TIMEOUT" "$XPLEDGE" learn --merge "$T/merged.yaml" -o "$T/merged2.yaml" -- \
  tar -cf /dev/null /usr/include/stdio.h >"$T/out" 2>"$T/err" </dev/null
rc=$?
assert_exit 0
cmp -s "$T/merged.yaml" "$T/merged2.yaml" || fail "merging a run again changed the policy:
$(diff "$T/merged.yaml" "$T/merged2.yaml" | head -20)"

note "--merge refuses a policy learn did not write"
printf 'version: 1\ndefault: deny\ndeny: [ptrace]\n' >"$T/handmade.yaml"
xp_cmd learn --merge "$T/handmade.yaml" -o "$T/handmade-out.yaml" -- true
assert_exit 125
assert_contains "$T/err" "^xpledge: .*handmade\.yaml:3:1: .*'deny'"

note "--base: only what the base policy does not allow"
XP_LAST_CMD="xpledge learn --base ls.yaml -o base.yaml -- ls -l /etc"
timeout -k 5 "$XP_TIMEOUT" "$XPLEDGE" learn --base "$T/ls.yaml" -o "$T/base.yaml" -- ls -l /etc \
  >"$T/out" 2>"$T/err" </dev/null
rc=$?
assert_exit 0
check_policy "$T/base.yaml"
assert_contains "$T/base.yaml" 'Recorded only what .*ls\.yaml does not already allow'
assert_not_contains "$T/base.yaml" '^(allow|promises):'

note "round trips done: ${ran[*]}"
