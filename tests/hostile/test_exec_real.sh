#!/usr/bin/env bash
# Issue 17, item 3: exec rules judge the file the kernel runs. A copy of echo under DIR/denied
# is named by a deny rule on execve (by glob, and by its literal path); it is reached through a
# symlink, `..` after a symlink, a hard link, a `#!` line naming it, execveat (a rule on execve
# governs execveat: one family), a memfd copy run with execveat(AT_EMPTY_PATH) or as
# /proc/self/fd/N, an O_TMPFILE copy, a hard link to a file only the glob names, an allowed
# program whose PT_INTERP loader lies under DIR/denied, and `#!` scripts (below). None may run:
# refused at the call (EUCLEAN) or killed at the exec event, logged with the rule.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
D=$T/x
mkdir -p "$D/denied" "$D/ok"
cp "$(type -P echo)" "$D/denied/prog"
cp "$(type -P echo)" "$D/ok/prog"
ln -s "$D/denied/prog" "$D/ok/link"
ln -s "$D/ok" "$D/ok/dirlink"  # DIR/ok/dirlink/.. is DIR for the kernel, DIR/ok for a lexer
ln "$D/denied/prog" "$D/ok/hard" 2>/dev/null || skip "cannot hard-link in $T"
# A file only the glob names, and another name of it outside the denied tree.
mkdir -p "$D/denied/sub"
cp "$(type -P echo)" "$D/denied/sub/tool"
ln "$D/denied/sub/tool" "$D/ok/glob-hard"
printf '#!%s\n' "$D/denied/prog" >"$D/ok/script"
# An allowed program whose loader (PT_INTERP) is a copy of the real one under DIR/denied.
loader=$(readelf -l "$(type -P echo)" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
if command -v cc >/dev/null && [ -n "$loader" ]; then
  cp "$loader" "$D/denied/ld.so"
  printf '#include <stdio.h>\nint main(int c, char **v) { (void)c; printf("%%s %%s\\n", v[1], v[2]); return 0; }\n' >"$T/interp.c"
  cc -o "$D/ok/interp" "$T/interp.c" -Wl,--dynamic-linker="$D/denied/ld.so" ||
    fail "cannot build the PT_INTERP victim"
fi
chmod +x "$D/ok/script"
# `#!` scripts: DIR/denied/script (named by the rules) prints its first two arguments; reached
# by a symlink (with execve, execveat, and an fd of it), `..` after a symlink, a hard link, and
# as the interpreter of DIR/ok/chain (also by a relative `#!`). DIR/ok/script-ok is an allowed
# copy (control).
# shellcheck disable=SC2016  # the script's own $1 and $2
printf '#!/bin/sh\necho "$1 $2"\n' >"$D/denied/script"
cp "$D/denied/script" "$D/ok/script-ok"
chmod +x "$D/denied/script" "$D/ok/script-ok"
ln -s "$D/denied/script" "$D/ok/script-link"
ln "$D/denied/script" "$D/ok/script-hard"
printf '#!%s\n' "$D/denied/script" >"$D/ok/chain"
printf '#!denied/script\n' >"$D/ok/relchain"  # relative: from the cwd, DIR
chmod +x "$D/ok/chain" "$D/ok/relchain"
mkdir -p "$D/sub"
ln -s "$D/sub" "$D/ok/up"  # DIR/ok/up/.. is DIR for the kernel
cat >"$T/exec.yaml" <<YAML
version: 1
default: allow
deny:
  - { syscall: execve, path: ["$D/denied/**", "$D/denied/prog", "$D/denied/script"], errno: EUCLEAN }
YAML
hx -p "$T/exec.yaml" -- "$A/exec_real" "$D"
note "$(cat "$T/out")"
assert_held
assert_ok control direct symlink dotdot hardlink hardlink-glob script execveat memfd memfd-proc-fd \
  script-control script-symlink script-hardlink script-chain script-execveat script-fd \
  script-relative script-dotdot
if grep -q "^SKIP tmpfile" "$T/out"; then note "$(grep "^SKIP tmpfile" "$T/out")"; else assert_ok tmpfile; fi
if [ -x "$D/ok/interp" ]; then
  assert_ok pt-interp
  assert_logged "error: pid [0-9]+: exec of $(re_escape "$D")/denied/ld.so refused by"
else
  note "SKIP pt-interp: no C compiler or readelf here"
fi
assert_logged "deny pid=[0-9]+ comm=exec_real execve\\(\"$(re_escape "$D")/denied/prog\", .* = -1 EUCLEAN rule=deny\\[0\\]@"
for what in "$D/denied/prog" "/memfd:copy (deleted)" "$D/denied/script" "$D/ok/glob-hard"; do
  assert_logged "error: pid [0-9]+: exec of $(re_escape "$what") refused by .*: the new image is killed before it runs"
done
exit 0
