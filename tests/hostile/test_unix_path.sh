#!/usr/bin/env bash
# AF_UNIX socket paths under unveil (attacks/unix_path.c): connect, sendto, sendmsg and sendmmsg
# to a pathname socket need `w` on it, bind needs `c`, as OpenBSD's unp_connect/unp_bind look
# the name up through namei; a hidden socket gets ENOENT, one without the letter EACCES, logged
# with rule=unveil. Abstract names and sends on a connected socket are not paths. A thread
# flipping sun_path between an unveiled and a hidden socket never reaches the hidden one (the
# sockaddr is pinned), nor does a relative name while a thread fchdir()s into the hidden
# directory (pinned as the absolute path judged); threads, vfork and fork children are held
# too. Then the same under a pledge whose filter allows connect outright. (What AF_INET traffic
# pays in stops: bench/RESULTS.md; send() without an address: unit_unveil_filter.)
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
[ -r /proc/sysvipc/shm ] || skip "no /proc/sysvipc/shm: System V shm (the scratch area) is not available here"
SECONDS_RACE=${UNIX_PATH_SECONDS:-2}
# sun_path holds 108 bytes: the attack needs DIR under 72.
[ ${#T} -lt 68 ] || skip "the test directory $T is too long for AF_UNIX socket paths (TMPDIR?)"

for mode in unveil pledge; do
  rm -rf "$T/d"
  mkdir -p "$T/d/open" "$T/d/noct" "$T/d/read" "$T/d/shut"
  hx -p "$POLICIES/allow_all.yaml" -- "$A/unix_path" "$T/d" "$mode" "$SECONDS_RACE"
  note "$mode: $(cat "$T/out")"
  assert_held
  assert_ok connect-shut connect-open connect-read connect-rel connect-tight connect-link bind-shut bind-noct \
    bind-open abstract sendto-shut sendto-open sendmsg-shut sendmsg-open sendmmsg-shut \
    sendmmsg-mixed send-connected thread vfork fork race cwd-race
  [ ! -e "$T/d/shut/new.sock" ] || fail "$mode: bind-shut created $T/d/shut/new.sock"
  [ ! -e "$T/d/noct/new.sock" ] || fail "$mode: bind-noct created $T/d/noct/new.sock"
  [ -S "$T/d/open/new.sock" ] || fail "$mode: bind-open made no socket"
  shut=$(re_escape "$T/d/shut")
  assert_logged "deny pid=[0-9]+ comm=unix_path connect\\(.*$shut/s.sock.* = -1 ENOENT rule=unveil$"
  assert_logged "deny pid=[0-9]+ comm=unix_path connect\\(.*/read/s.sock.* = -1 EACCES rule=unveil$"
  assert_logged "deny pid=[0-9]+ comm=unix_path connect\\(.*\"open/s.sock\".* = -1 ENAMETOOLONG rule=unveil$"
  assert_logged "deny pid=[0-9]+ comm=unix_path bind\\(.*$shut/new.sock.* = -1 ENOENT rule=unveil$"
  assert_logged "deny pid=[0-9]+ comm=unix_path bind\\(.*/noct/new.sock.* = -1 EACCES rule=unveil$"
  assert_logged "deny pid=[0-9]+ comm=unix_path sendto\\(.*$shut/d.sock.* = -1 ENOENT rule=unveil$"
  assert_logged "deny pid=[0-9]+ comm=unix_path sendmsg\\(.* = -1 ENOENT rule=unveil$"
  assert_logged "deny pid=[0-9]+ comm=unix_path sendmmsg\\(.* = -1 ENOENT rule=unveil$"
done
exit 0
