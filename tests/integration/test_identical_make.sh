#!/usr/bin/env bash
# Issue 2 / 13c: under an allow-all policy, `make` building three C files with cc (and running
# the result) writes the same bytes and exits with the same status as without xpledge.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
require_cmd make cc

gen() {  # DIR: a small project
  mkdir -p "$1"
  printf 'int a(void) { return 1; }\n' >"$1/a.c"
  printf 'int b(void) { return 2; }\n' >"$1/b.c"
  cat >"$1/main.c" <<'C'
#include <stdio.h>
int a(void);
int b(void);
int main(void) {
  printf("sum=%d\n", a() + b());
  fprintf(stderr, "main: on stderr\n");
  return 0;
}
C
  cat >"$1/Makefile" <<'MK'
CC = cc
run: prog
	./prog
prog: main.o a.o b.o
	$(CC) -o $@ main.o a.o b.o
%.o: %.c
	$(CC) -c -o $@ $<
MK
}
gen "$T/native"
gen "$T/traced"
# The same environment for both runs, free of any make state of the caller (ctest under make).
MAKE_CMD=(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory)
cd "$T/native" || exit 1
native "${MAKE_CMD[@]}"
[ "$nrc" -eq 0 ] || fail "make fails natively (exit $nrc): $(cat "$T/nerr")"
cd "$T/traced" || exit 1
XP_TIMEOUT=60
xp -p "$POLICIES/allow_all.yaml" -- "${MAKE_CMD[@]}"
cd "$T" || exit 1
assert_same_as_native
assert_line "$T/out" "sum=3"
[ -x "$T/traced/prog" ] || fail "make under xpledge did not link prog"
exit 0
