#!/usr/bin/env bash
# A program using xunveil() and xpledge() under `xpledge run`: in both engine modes the
# supervisor services SYS_xunveil (10001) itself with OpenBSD's semantics (ENOENT outside every
# unveiled path, EACCES for a missing permission, logged with rule=unveil; dropped at exec;
# symlinks and ".." judged by what they reach). With --no-seccomp every call stops anyway; in
# seccomp mode the first xunveil() stacks the unveil filter, which makes every path call stop.
# The library makes no Landlock domain of its own then. The supervisor answers xpledge() too
# (denials logged with the missing promise).
# shellcheck source=lib.sh
. "$PLEDGE_TESTS_SRC/lib.sh"

mkdir -p "$T/dir" "$T/other/sub"
echo in >"$T/dir/file"
echo out >"$T/other/file"
ln -s "$T/other/file" "$T/dir/link_out"
ln -s "$T/other/sub" "$T/dir/ldir"

for mode in seccomp no-seccomp; do
  flags=$XPLEDGE_RUN_FLAGS
  hidden=ENOENT
  if [ "$mode" = no-seccomp ]; then flags="$flags --no-seccomp"; fi
  XPLEDGE_RUN_FLAGS=$flags xp "$DENY" "$V/pledge_steps" supported "unveil:$T/dir:rw" \
    "unveil:$T/other:r" "pledge:stdio rpath wpath proc" "open:r:$T/dir/file" "open:w:$T/dir/file" \
    "open:w:$T/other/file" "open:r:$T/readable" "open:r:$T/dir/link_out" \
    "open:w:$T/dir/ldir/../file" "unveil:$T:r" "socket:inet" "fork" "open:r:$T/readable"
  assert_line "supported = 1"
  assert_line "unveil:$T/dir:rw = ok"
  assert_line "pledge:stdio rpath wpath proc = ok"     # dropping unveil locks
  assert_line "open:r:$T/dir/file = ok"
  assert_line "open:w:$T/dir/file = ok"
  assert_line "open:w:$T/other/file = EACCES"          # unveiled r only
  assert_line "open:r:$T/dir/link_out = ok"            # reaches other/file: unveiled r
  assert_line "open:w:$T/dir/ldir/../file = EACCES"    # lexically dir/file (w); reaches other/file (r)
  assert_line "unveil:$T:r = EPERM"                    # locked
  assert_line "socket:inet = EPERM"                    # the supervisor's pledge
  assert_denied socket inet
  assert_line "open:r:$T/readable = $hidden"           # hidden, in the child too
  assert_line "fork = exited 2"
  grep -q "rule=unveil" "$T/err" || fail "no denial logged with rule=unveil"

  # exec: the supervisor drops its table as OpenBSD does (in seccomp mode the filter stays in
  # the kernel: the new image's path calls stop, and are allowed).
  XPLEDGE_RUN_FLAGS=$flags xp "$DENY" "$V/pledge_steps" "unveil:/:rx" "unveil:NULL:NULL" \
    exec "$V/pledge_steps" "unveil:$T/dir:r" "open:r:$T/readable"
  assert_line "unveil:$T/dir:r = ok"
  assert_line "open:r:$T/readable = ENOENT"  # the new image's own first unveil hides it again
  XPLEDGE_RUN_FLAGS=$flags xp "$DENY" "$V/pledge_steps" "unveil:$V:rx" "unveil:$T/dir:r" "unveil:NULL:NULL" \
    exec "$V/pledge_steps" "open:r:$T/readable" "open:r:$T/dir/file"
  assert_line "open:r:$T/readable = ok"      # dropped at exec: nothing hidden (and no
                                             # Landlock domain of the library's: it stays)
  assert_line "open:r:$T/dir/file = ok"

  # A file that does not exist yet: OpenBSD (and the supervisor) remember its name; Landlock
  # needs an object, so without the supervisor it is ENOENT.
  XPLEDGE_RUN_FLAGS=$flags xp "$DENY" "$V/pledge_steps" "unveil:$T/dir/new-$mode:rwc" \
    "unveil:NULL:NULL" "open:c:$T/dir/new-$mode" "open:c:$T/dir/other-$mode"
  assert_line "unveil:$T/dir/new-$mode:rwc = ok"
  assert_line "open:c:$T/dir/new-$mode = ok"
  assert_line "open:c:$T/dir/other-$mode = ENOENT"

  # Errors of the call as OpenBSD lists them.
  XPLEDGE_RUN_FLAGS=$flags xp "$DENY" "$V/pledge_steps" "unveil:$T/dir:rz" "unveil:$T/dir:r" \
    "unveil:NULL:NULL" "unveil:$T/other:r"
  assert_line "unveil:$T/dir:rz = EINVAL"
  assert_line "unveil:$T/other:r = EPERM"
done

# The supervisor's own pledge semantics stay: execpromises wider than the promises.
xp "$DENY" "$V/pledge_steps" "unveil:/:rx" "pledge:stdio rpath exec:stdio rpath prot_exec inet" \
  exec "$V/pledge_steps" "socket:inet"
assert_line "pledge:stdio rpath exec:stdio rpath prot_exec inet = ok"
assert_line "socket:inet = ok"
