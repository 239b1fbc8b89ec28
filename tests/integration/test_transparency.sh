#!/usr/bin/env bash
# Issue 16: under an allow-all policy a program behaves exactly as natively.
#  - rename and link across directories (the Landlock domain used to refuse re-parenting with
#    EXDEV: it handled a filesystem right and granted no REFER); also `ln`, `mv` (which falls
#    back to copy-and-delete on EXDEV: the inode number tells) and python's os.rename;
#  - setpgid into the group the process is already in: setpgid(0, getpgrp()) and posix_spawn
#    with POSIX_SPAWN_SETPGROUP and the parent's group (the guard refused any setpgid naming
#    the supervisor's group);
#  - clone3 (it got ENOSYS, and a "deny clone3" line under the default policy for every thread
#    or posix_spawn): a raw clone3 as a fork, CLONE_VM|CLONE_VFORK, CLONE_PIDFD and CLONE_VM
#    makes a child, which is traced; threads and posix_spawn log nothing.
# Each case runs natively and under allow_all.yaml (and the embedded default policy, which
# allows all of these too) and must print the same bytes.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
V=$VICTIMS

# same_as_native ARGS...: ARGS natively, then under allow_all.yaml and the default policy.
same_as_native() {
  reset_files
  native "$@"
  reset_files
  xp -p "$POLICIES/allow_all.yaml" -- "$@"
  assert_same_as_native
  reset_files
  xp -- "$@"
  assert_same_as_native
}

reset_files() {
  rm -rf "$T/a" "$T/b"
  mkdir "$T/a" "$T/b"
  echo data >"$T/a/f"
}

same_as_native "$V/transparent" rename "$T/a/f" "$T/b/f"
assert_line "$T/out" "rename = ok"
same_as_native "$V/transparent" link "$T/a/f" "$T/b/f"
assert_line "$T/out" "link = ok"
# A directory, too (the kernel checks REFER on its whole subtree).
same_as_native "$V/transparent" rename "$T/a" "$T/b/a"
assert_line "$T/out" "rename = ok"

same_as_native ln "$T/a/f" "$T/b/g"
assert_empty "$T/err"

# mv across directories must rename, not copy: the inode number stays.
script='i=$(stat -c %i "$1/a/f"); mv "$1/a/f" "$1/b/f" && [ "$(stat -c %i "$1/b/f")" = "$i" ] && echo renamed'
same_as_native sh -c "$script" sh "$T"
assert_line "$T/out" "renamed"

if command -v python3 >/dev/null 2>&1; then
  same_as_native python3 -c 'import os, sys; os.rename(sys.argv[1], sys.argv[2]); print("os.rename ok")' \
    "$T/a/f" "$T/b/f"
  assert_line "$T/out" "os.rename ok"
fi

# Setpgid into the group we are in (xpledge's own: the tracee starts there).
same_as_native "$V/transparent" setpgid-self
assert_line "$T/out" "setpgid-self = ok"
same_as_native "$V/transparent" spawn-setpgroup
assert_line "$T/out" "spawn-setpgroup = ok"

# Raw clone3: natively the child is untraced, under xpledge traced; otherwise the same.
for kind in plain vfork pidfd vm; do
  native "$V/transparent" clone3 $kind
  want=$(sed 's/ untraced / traced /' "$T/nout")
  case $want in *" traced exited 0"*) ;; *) fail "clone3 $kind natively: $(cat "$T/nout")" ;; esac
  for p in "$POLICIES/allow_all.yaml" ""; do
    xp ${p:+-p "$p"} -- "$V/transparent" clone3 $kind
    assert_exit 0
    assert_line "$T/out" "$want"
    assert_empty "$T/err"
  done
done

# An ordinary threaded program that also spawns: nothing logged under the default policy.
if command -v python3 >/dev/null 2>&1; then
  prog='import subprocess, threading
ts = [threading.Thread(target=sum, args=(range(1000),)) for _ in range(20)]
[t.start() for t in ts]; [t.join() for t in ts]
subprocess.run(["true"], check=True); print("done")'
  native python3 -c "$prog"
  xp -- python3 -c "$prog"
  assert_same_as_native
fi
exit 0
