#!/usr/bin/env bash
# Issue 20: a learned policy you can ship, for a build (make and gcc from Debian packages).
# Learn `make` of a small project, then ADD a source file that includes a NEW header: under the
# learned policy, permissive (nothing would be refused) and enforced, the build passes and the
# program runs. The learned policy names directories, not the 40-odd headers gcc read, and no
# name this machine's PATH made gcc and make search in vain.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
# shellcheck source=learn_lib.sh
. "$TESTS_SRC/learn_lib.sh"
XP_TIMEOUT=${XP_TIMEOUT_LEARN:-60}
require_cmd make gcc
# A PATH that sends every search through a directory holding nothing: its misses are this
# machine's, not the build's (the probes issue 20 saw, /root/.pyenv/shims/as).
mkdir -p "$T/emptybin"
export PATH="$T/emptybin:/usr/bin:/bin"

P=$T/proj
mkdir -p "$P"
cd "$P" || fail "cannot cd to $P"
for i in 1 2 3; do
  printf '#include <stdio.h>\n#include <string.h>\n#include "common.h"\nint f%d(void) { return (int)strlen("ab") + K; }\n' "$i" >"f$i.c"
done
printf '#define K 1\n' >common.h
printf 'int f1(void);\nint extra(void);\nint main(void) { return f1() + extra() == 45 ? 0 : 1; }\n' >main.c
printf 'int extra(void) { return 42; }\n' >extra.c
cat >Makefile <<'EOF'
SRCS := $(wildcard *.c)
prog: $(SRCS:.c=.o)
	$(CC) -o $@ $^
%.o: %.c
	$(CC) -O1 -c $< -o $@
clean:
	rm -f *.o prog
EOF

note "learn: make"
learn_to build.yaml make
assert_exit 0
./prog || fail "the learned build's program does not run"
xp_cmd check "$T/build.yaml"
assert_exit 0
# Trees, not files: the project and the system headers.
assert_contains "$T/build.yaml" "^      - $(re_escape "$P")/\\*\\*$"
assert_contains "$T/build.yaml" '^      - /usr/include/\*\*$'
assert_not_contains "$T/build.yaml" '^      - /usr/include/.*\.h$'
assert_not_contains "$T/build.yaml" "$(re_escape "$T/emptybin")"
# No glob made of a header's name (issue 20: .../__*_t.h).
assert_not_contains "$T/build.yaml" '^      - .*/[^/]*\*[^/]*\.h$'

note "a new source file including a new header"
make clean >/dev/null
printf '#define NEWK 2\n' >newer.h
printf '#include "newer.h"\nint newer(void) { return NEWK; }\n' >newer.c

note "permissive: nothing would be refused but the dropped \$PATH misses"
xp --permissive -p "$T/build.yaml" -- make
assert_exit 0
refusals "$T/err" "$T/would-other"
assert_empty "$T/would-other"
assert_contains "$T/err" "execve\\(\"$(re_escape "$T/emptybin/as")\""  # dropped: a miss of this PATH
[ -s newer.o ] || fail "the permissive build did not compile newer.c"

note "enforced: the build passes"
make clean >/dev/null
xp -p "$T/build.yaml" -- make
assert_exit 0
refusals "$T/err" "$T/refused-other"
assert_empty "$T/refused-other"
[ -s newer.o ] || fail "the enforced build did not compile newer.c"
./prog || fail "the program built under the learned policy does not run"

note "enforced: a source outside the learned trees is refused"
mkdir -p "$T/elsewhere"
printf 'int main(void) { return 0; }\n' >"$T/elsewhere/x.c"
xp -p "$T/build.yaml" -- gcc -c "$T/elsewhere/x.c" -o "$P/x.o"
[ "$rc" -ne 0 ] || fail "gcc compiled a file outside the learned trees"
[ ! -e "$P/x.o" ] || fail "x.o was written from a source outside the learned trees"
exit 0
