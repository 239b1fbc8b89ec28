#!/usr/bin/env bash
# Issue 17, item 3: a file runs without execve when a program maps it PROT_EXEC itself (`ld.so
# FILE`, a loader of its own). With exec path rules such mappings are judged like an exec image:
# the loader run on a denied copy of echo, mmap of its fd (and of a hard link to it, and of a
# memfd no rule allows), mprotect/pkey_mprotect adding PROT_EXEC to a mapping of it,
# personality(READ_IMPLIES_EXEC); and races against the check (the fd swapped by dup2, the
# range remapped by MAP_FIXED, from another thread; the fd swapped while a CLONE_VM|CLONE_FILES
# child maps, whose parent would keep the mapping): the exit check kills every process of the
# address space.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
D=$T/x
mkdir -p "$D/denied" "$D/ok"
cp "$(type -P echo)" "$D/denied/prog"
cp "$(type -P echo)" "$D/ok/prog"
ln "$D/denied/prog" "$D/ok/hard" 2>/dev/null || skip "cannot hard-link in $T"
loader=$(readelf -l "$(type -P echo)" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
[ -x "$loader" ] || skip "no readelf, or echo names no loader (static?): cannot find ld.so"
"$loader" "$D/ok/prog" loader-works | grep -q loader-works || skip "$loader cannot run a program here"
cat >"$T/exec.yaml" <<YAML
version: 1
default: allow
deny:
  - { syscall: execve, path: ["$D/denied/**", "$D/denied/prog"], errno: EUCLEAN }
YAML
hx -p "$T/exec.yaml" -- "$A/exec_map" "$D" "$loader"
note "$(cat "$T/out")"
assert_held
assert_ok control control-anon ld.so mmap mmap-hardlink mmap-memfd mmap-badfd mprotect pkey-mprotect \
  personality dup2-race fixed-race clone-vm-race
d=$(re_escape "$D")
rec() { echo "deny pid=[0-9]+ comm=$1 $2\\(.* = -1 $3 rule=$4 hint=\"executable mapping of $5\""; }
deny0="deny\\[0\\]@[^ ]+"
assert_logged "$(rec exec_map mmap EUCLEAN "$deny0" "$d/denied/prog")"
assert_logged "$(rec exec_map mmap EUCLEAN "$deny0" "$d/ok/hard")"
assert_logged "$(rec exec_map mmap EACCES exec:anonymous "/memfd:code \\(deleted\\)")"
assert_logged "$(rec exec_map mmap EACCES exec:anonymous "\\(unreadable\\)")"
assert_logged "$(rec exec_map mprotect EUCLEAN "$deny0" "$d/denied/prog")"
assert_logged "$(rec exec_map pkey_mprotect EUCLEAN "$deny0" "$d/denied/prog")"
assert_logged "deny pid=[0-9]+ comm=exec_map personality\\(.* = -1 EPERM rule=exec:mapping hint=\"READ_IMPLIES_EXEC would make file mappings executable unseen\""
# The loader (its comm is the loader's name) was refused its mapping of the denied file.
assert_logged "$(rec "[^ ]+" mmap EUCLEAN "$deny0" "$d/denied/prog")"
for race in dup2-race fixed-race clone-vm-race; do
  if grep -q "^ok $race: killed" "$T/out"; then
    assert_logged "error: pid [0-9]+: executable mapping changed under the check \\(.*/denied/prog"
  fi
done
exit 0
