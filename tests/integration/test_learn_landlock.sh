#!/usr/bin/env bash
# Issue 20, item 2: a learned build whose opens Landlock decides, without a stop, and a learned
# policy that still refuses what it refused before, by the same decision in both engine modes
# and under --landlock=off. make and gcc learned with a private $TMPDIR (gcc's cc*.s names
# become that directory's tree); then, under the learned policy: a file added after learning in
# each kind of tree (the project read, the project written, the temporary directory), a decoy
# secret behind a symlink in the project, and a secret inside the project that a deny rule added
# to the learned policy refuses (EUCLEAN: the pass proves that rule, not the default's EACCES).
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
# shellcheck source=learn_lib.sh
. "$TESTS_SRC/learn_lib.sh"
XP_TIMEOUT=${XP_TIMEOUT_LEARN:-90}
require_cmd make gcc
mkdir -p "$T/emptybin" "$T/tmp" "$T/secret"
# LC_ALL=C: no message catalogue is looked up (and refused, and logged) inside an error line.
export PATH="$T/emptybin:/usr/bin:/bin" TMPDIR="$T/tmp" LC_ALL=C
echo 'root:$6$decoy-hash:19000:0:99999:7:::' >"$T/secret/shadow"

P=$T/proj
mkdir -p "$P/private"
cd "$P" || fail "cannot cd to $P"
for i in 1 2 3; do
  printf '#include <stdio.h>\n#include "common.h"\nint f%d(void) { return K + %d; }\n' "$i" "$i" >"f$i.c"
done
printf '#define K 1\n' >common.h
printf 'int f1(void);\nint main(void) { return f1() == 2 ? 0 : 1; }\n' >main.c
cat >Makefile <<'EOF'
prog: $(patsubst %.c,%.o,$(wildcard *.c))
	$(CC) -o $@ $^
%.o: %.c
	$(CC) -O1 -c $< -o $@
EOF

note "learn: make, with a private TMPDIR"
learn_to build.yaml make
assert_exit 0
assert_contains "$T/build.yaml" "^      - $(re_escape "$T/tmp")/\\*\\*$"
assert_not_contains "$T/build.yaml" '^      - .*/cc\*'
xp_cmd check "$T/build.yaml"
assert_exit 0
decided=0
if grep -q '^  read: kernel' "$T/out"; then
  # Landlock holds the reads here: the learned policy must let it decide the opens too.
  assert_contains "$T/out" '^  openat \(x86_64\): decided by the kernel'
  decided=1
else
  echo "SKIP (part): [$TEST_NAME] no Landlock to decide the learned opens here ($(grep -E '^  read' "$T/out"))" >&2
fi

# The secret inside the project: the learned tree takes it in; a deny rule added by hand
# refuses it. Landlock cannot hold that exactly, so under that policy openat stops again.
echo 'api-key-decoy' >"$P/private/key"
cp "$T/build.yaml" "$T/deny.yaml"
printf 'deny:\n  - { syscall: openat, path: [%s/private/**], errno: EUCLEAN }\n' "$P" >>"$T/deny.yaml"
xp_cmd check "$T/deny.yaml"
assert_exit 0
assert_not_contains "$T/out" '^  openat \(x86_64\): decided by the kernel'
# A way out of the project: gcc and cat would follow it, the trees must not.
ln -s "$T/secret/shadow" "$P/leak.h"

# new files after learning, in each kind of tree
rm -f ./*.o prog
printf '#define NEWK 2\n' >newer.h
printf '#include "newer.h"\nint newer(void) { return NEWK; }\n' >newer.c

for landlock in on off; do
  note "enforced (--landlock=$landlock): the build passes with a new source and header"
  rm -f ./*.o prog
  xp --landlock="$landlock" --stats -p "$T/build.yaml" -- make
  assert_exit 0
  refusals "$T/err" "$T/refused-other"
  assert_empty "$T/refused-other"
  [ -s newer.o ] && ./prog || fail "the build under the learned policy did not make a working prog"
  if [ "$landlock" = on ] && [ "$decided" = 1 ] && landlock_decides_opens "$T/build.yaml"; then
    on=$(sed -nE 's/^xpledge: +([0-9]+) .* openat$/\1/p' "$T/err")
    cp "$T/err" "$T/stats-on"
  elif [ "$landlock" = off ]; then
    off=$(sed -nE 's/^xpledge: +([0-9]+) .* openat$/\1/p' "$T/err")
  fi

  note "--landlock=$landlock: a file the program writes after learning, in the project and in TMPDIR"
  # sh's builtins only: the learned policy runs no cat.
  xp --landlock="$landlock" -p "$T/build.yaml" -- sh -c "echo new >$P/made-later.txt && read a <$P/made-later.txt && echo \$a && echo tmp >$T/tmp/ccNew.s && read b <$T/tmp/ccNew.s && echo \$b"
  assert_exit 0
  assert_contains "$T/out" '^new$'
  assert_contains "$T/out" '^tmp$'

  note "--landlock=$landlock: the decoy behind a symlink in the project is refused (EACCES)"
  xp --landlock="$landlock" -p "$T/build.yaml" -- cat "$P/leak.h"
  [ "$rc" -ne 0 ] || fail "cat read the decoy through a symlink in the learned tree"
  assert_not_contains "$T/out" 'decoy-hash'
  assert_contains "$T/err" 'Permission denied'
  xp --landlock="$landlock" -p "$T/build.yaml" -- gcc -c -x c "$P/leak.h" -o "$P/leak.o"
  [ "$rc" -ne 0 ] || fail "gcc compiled the decoy through a symlink in the learned tree"

  note "--landlock=$landlock: the secret inside the tree is refused by the added deny rule"
  xp --landlock="$landlock" -p "$T/deny.yaml" -- cat "$P/private/key"
  [ "$rc" -ne 0 ] || fail "cat read a file a deny rule of the policy refuses"
  assert_not_contains "$T/out" 'api-key-decoy'
  assert_contains "$T/err" 'Structure needs cleaning'  # EUCLEAN: that deny rule decided
  assert_contains "$T/err" "^xpledge: deny pid=[0-9]+ comm=cat openat\\(.*private/key.* = -1 EUCLEAN rule=deny"
  xp --landlock="$landlock" -p "$T/deny.yaml" -- cat "$P/common.h"
  assert_exit 0
  assert_contains "$T/out" '^#define K 1$'
done

# The speed: in seccomp mode with Landlock deciding, a read-only open does not stop.
if [ -n "${on:-}" ]; then
  note "openat stops: $on with Landlock deciding, $off with --landlock=off"
  [ $((on * 3)) -lt "$off" ] || fail "openat stopped $on times with Landlock deciding, $off without: not fewer"
fi
exit 0
