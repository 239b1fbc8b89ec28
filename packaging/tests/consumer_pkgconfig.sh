#!/usr/bin/env bash
# packaging.consumer_pkgconfig: build consumer.c against the unpacked package with
# `pkg-config --cflags --libs xpledge`, shared and static, and run it.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_package
need_cmd pkg-config readelf
CC=${CC:-cc}
T=$WORK/consumer-pkgconfig
rm -rf "$T" && mkdir -p "$T"

# Only the package's .pc, seen through the unpacked root as if it were installed.
export PKG_CONFIG_LIBDIR=$ROOT$LIBDIR/pkgconfig PKG_CONFIG_PATH=
export PKG_CONFIG_SYSROOT_DIR=$ROOT
# /usr/include and the libdir are default paths that pkg-config would drop: keep them, the
# sysroot makes them point into $ROOT.
export PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 PKG_CONFIG_ALLOW_SYSTEM_LIBS=1

[ "$(pkg-config --modversion xpledge)" = "$VERSION" ] || fail "pkg-config --modversion: $(pkg-config --modversion xpledge 2>&1)"
cflags=$(pkg-config --cflags xpledge | xargs) || fail "pkg-config --cflags xpledge failed"
libs=$(pkg-config --libs xpledge | xargs) || fail "pkg-config --libs xpledge failed"
[ "$cflags" = "-I$ROOT$INCLUDEDIR" ] || fail "--cflags: expected -I$ROOT$INCLUDEDIR, got '$cflags'"
[ "$libs" = "-L$ROOT$LIBDIR -lxpledge" ] || fail "--libs: expected -L$ROOT$LIBDIR -lxpledge, got '$libs'"
note "cflags: $cflags  libs: $libs"

src=$PKG_SRC/tests/consumer/consumer.c
# shellcheck disable=SC2086  # pkg-config output is a list of flags
"$CC" -Wall -Wextra -Werror $cflags -MD -MF "$T/deps.txt" -o "$T/consumer_shared" "$src" $libs \
  || fail "compiling against the package (shared) failed"
grep -qF "$ROOT$INCLUDEDIR/xpledge.h" "$T/deps.txt" || fail "the compile did not use the package's xpledge.h"
# (Outputs are captured before grep: with pipefail, grep -q ending a pipe early fails it.)
grep -q 'NEEDED.*\[libxpledge\.so\.0\]' <<<"$(readelf -d "$T/consumer_shared")" \
  || fail "consumer_shared does not link libxpledge.so.0 (SONAME)"
# shellcheck disable=SC2086
"$CC" -Wall -Wextra -Werror $cflags -o "$T/consumer_static" "$src" \
  -L"$ROOT$LIBDIR" -Wl,-Bstatic -lxpledge -Wl,-Bdynamic || fail "compiling against libxpledge.a failed"
! grep -q 'libxpledge' <<<"$(readelf -d "$T/consumer_static")" || fail "consumer_static still needs libxpledge.so"

# Alone, the library confines the program itself (Landlock, seccomp); asked to require a
# supervisor, it installs nothing.
expected='xpledge_supported=0 unveil=ok lock=ok open_unveiled=ok open_hidden=EACCES pledge=ok socket=EPERM'
expected_required='xpledge_supported=0 unveil=ENOSYS lock=ENOSYS open_unveiled=ok open_hidden=ok pledge=ENOSYS socket=ok'
for exe in consumer_shared consumer_static; do
  out=$(LD_LIBRARY_PATH=$ROOT$LIBDIR "$T/$exe") || fail "$exe exited $?"
  [ "$out" = "$expected" ] || fail "$exe printed '$out', expected '$expected'"
  out=$(XPLEDGE_REQUIRE_SUPERVISOR=1 LD_LIBRARY_PATH=$ROOT$LIBDIR "$T/$exe") || fail "$exe exited $?"
  [ "$out" = "$expected_required" ] || fail "$exe (XPLEDGE_REQUIRE_SUPERVISOR=1) printed '$out', expected '$expected_required'"
done
# Under the package's own supervisor, in both engine modes, the same program gets OpenBSD's
# answers (issue 19): a hidden path is ENOENT (unveil), not Landlock's EACCES; every refusal is
# the supervisor's, logged with its rule.
need_ptrace "$ROOT$BINDIR/xpledge"
expected_supervised='xpledge_supported=1 unveil=ok lock=ok open_unveiled=ok open_hidden=ENOENT pledge=ok socket=EPERM'
for exe in consumer_shared consumer_static; do
  for mode in "" --no-seccomp; do
    # shellcheck disable=SC2086  # an empty mode is no argument
    run_to "$T/sup.out" "$T/sup.err" env LD_LIBRARY_PATH="$ROOT$LIBDIR" \
      "$ROOT$BINDIR/xpledge" run $mode -- "$T/$exe"
    [ "$rc" -eq 0 ] || { show "$T/sup.out" "$T/sup.err"; fail "$exe under xpledge run $mode exited $rc"; }
    [ "$(cat "$T/sup.out")" = "$expected_supervised" ] \
      || { show "$T/sup.out" "$T/sup.err"; fail "$exe under xpledge run $mode: expected '$expected_supervised'"; }
    grep -q 'openat(AT_FDCWD, "/etc/passwd".* = -1 ENOENT rule=unveil' "$T/sup.err" \
      || { show "$T/sup.err"; fail "$exe under xpledge run $mode: the hidden open was not logged as unveil's"; }
    grep -q 'socket(AF_INET, SOCK_STREAM, 0) = -1 EPERM rule=pledge' "$T/sup.err" \
      || { show "$T/sup.err"; fail "$exe under xpledge run $mode: the socket was not refused by pledge"; }
  done
done
note "supervised by the package's xpledge, both modes: $expected_supervised"
grep -qF "$ROOT$LIBDIR/libxpledge.so.0" <<<"$(LD_LIBRARY_PATH=$ROOT$LIBDIR ldd "$T/consumer_shared")" \
  || fail "consumer_shared does not load the package's libxpledge.so.0"
note "shared and static consumers built and ran: $expected"
