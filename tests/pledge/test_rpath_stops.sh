#!/usr/bin/env bash
# After xpledge("stdio rpath") a read-only open is allowed whatever its path: the pledge filter
# the supervisor stacks tests its flags register, so it runs without a stop (every openat
# stopped before). An open for writing still stops and is refused (EPERM, "needs wpath").
# Both engine modes: under --no-seccomp every call stops and is judged the same.
# shellcheck source=lib.sh
. "$PLEDGE_TESTS_SRC/lib.sh"
N=40
steps=("pledge:stdio rpath")
for _ in $(seq "$N"); do steps+=("open:r:$T/readable"); done
steps+=("open:w:$T/writable")
base_flags=$XPLEDGE_RUN_FLAGS
for mode in seccomp ptrace; do
  XPLEDGE_RUN_FLAGS="$base_flags --stats"
  [ "$mode" = ptrace ] && XPLEDGE_RUN_FLAGS+=" --no-seccomp"
  xp "$DENY" "$V/pledge_steps" "${steps[@]}"
  assert_exit 1
  assert_line "pledge:stdio rpath = ok"
  [ "$(grep -Fxc -- "open:r:$T/readable = ok" "$T/out")" -eq "$N" ] ||
    fail "$mode: expected $N read-only opens to succeed"
  assert_line "open:w:$T/writable = EPERM"
  assert_denied open wpath
  openat=$(awk '$1 == "xpledge:" && $NF == "openat" && NF == 6 { print $2 }' "$T/err")
  if [ "$mode" = seccomp ]; then
    [ "${openat:-0}" -eq 1 ] || fail "seccomp: expected only the write open to stop, saw ${openat:-0} openat stops"
  else
    [ "${openat:-0}" -ge $((N + 1)) ] || fail "--no-seccomp: expected every openat to stop, saw ${openat:-0}"
  fi
done
exit 0
