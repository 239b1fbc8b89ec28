#!/usr/bin/env bash
# Issue 16: policies/examples/build.yaml, with its project path pointed at a small C project, runs
# that project's `make` (Debian 12's make 4.3: posix_spawn with POSIX_SPAWN_RESETIDS, whose
# child calls setresuid(-1, uid, -1) before exec) as natively: same output, nothing refused;
# `make -j2` too. What the policy is for still holds: a recipe writing outside the project and
# the temp dirs is refused, and so is a setresuid that changes the real id.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
require_cmd make cc
# The project lives outside /tmp and /var/tmp (which the policy lets a build write), so that the
# project rule is the one that grants it.
base=$(mktemp -d "$PWD/xpledge-build-policy.XXXXXX") || fail "cannot create a project directory in $PWD"
# lib.sh's own EXIT trap (removes $T) runs after, with the test's status.
trap 'st=$?; ! _xp_main_shell || rm -rf "$base"; (exit $st); _xp_cleanup' EXIT
case $base in /tmp/* | /var/tmp/*) skip "the build directory $PWD is under /tmp: no project rule to test" ;; esac
policy=$T/build.yaml
sed "s|/home/user/project|$base/proj|" "$TESTS_SRC/../../policies/examples/build.yaml" >"$policy"
grep -q "$base/proj" "$policy" || fail "build.yaml has no /home/user/project line to edit"

gen() {  # DIR: a small project
  mkdir -p "$1"
  printf 'int twice(int x);\n' >"$1/util.h"
  printf '#include "util.h"\nint twice(int x) { return 2 * x; }\n' >"$1/util.c"
  printf '#include <stdio.h>\n#include "util.h"\nint main(void) { printf("%%d\\n", twice(21)); return 0; }\n' >"$1/main.c"
  cat >"$1/Makefile" <<'MK'
CC = cc
check: app
	./app
app: main.o util.o
	$(CC) -o $@ main.o util.o
%.o: %.c util.h
	$(CC) -O2 -c -o $@ $<
outside:
	echo x >$(OUTSIDE)
MK
}
MAKE_CMD=(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory)
XP_TIMEOUT=60
gen "$base/native"
cd "$base/native" || exit 1
native "${MAKE_CMD[@]}"
[ "$nrc" -eq 0 ] || fail "make fails natively (exit $nrc): $(cat "$T/nerr")"
for jobs in -j1 -j2; do
  rm -rf "$base/proj"
  gen "$base/proj"
  cd "$base/proj" || exit 1
  xp -p "$policy" -- "${MAKE_CMD[@]}" "$jobs"
  [ "$jobs" = -j2 ] && sort -o "$T/out" "$T/out" && sort -o "$T/nout" "$T/nout"
  assert_same_as_native
  assert_line "$T/out" 42
done

# Still refused: writing outside the project and the temp dirs (EPERM, logged) ...
outside=$base/outside
xp -p "$policy" -- "${MAKE_CMD[@]}" outside OUTSIDE="$outside"
[ "$rc" -ne 0 ] || fail "a recipe wrote $outside"
[ ! -e "$outside" ] || fail "a recipe created $outside"
assert_contains "$T/err" "^xpledge: deny pid=[0-9]+ comm=sh openat\\(AT_FDCWD, \"$(re_escape "$outside")\", .* = -1 EPERM rule=default@"
# ... and a setresuid that changes the real id (the rule lets only the effective one change).
uid=$(id -u)
xp -p "$policy" -- "$VICTIMS/transparent" setresuid -1 "$uid" -1
assert_line "$T/out" "setresuid = ok"
assert_empty "$T/err"
xp -p "$policy" -- "$VICTIMS/transparent" setresuid "$uid" "$uid" -1
assert_line "$T/out" "setresuid = EPERM"
assert_contains "$T/err" "^xpledge: deny pid=[0-9]+ comm=transparent setresuid\\("
exit 0
