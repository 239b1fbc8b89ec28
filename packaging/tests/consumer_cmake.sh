#!/usr/bin/env bash
# packaging.consumer_cmake: a CMake project does find_package(xpledge) against the unpacked
# package (CMAKE_PREFIX_PATH=root/prefix), links xpledge::xpledge and xpledge::xpledge_static,
# and runs both; asking for an incompatible version fails.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_package
need_cmd readelf
CMAKE=${CMAKE_COMMAND:-cmake}
T=$WORK/consumer-cmake
rm -rf "$T" && mkdir -p "$T"

configure() {  # configure BUILD_DIR [ARGS...]
  local dir=$1
  shift
  "$CMAKE" -S "$PKG_SRC/tests/consumer" -B "$dir" -G "${CMAKE_GENERATOR:-Unix Makefiles}" \
    -DCMAKE_C_COMPILER="${CC:-cc}" -DCMAKE_PREFIX_PATH="$ROOT$PREFIX" \
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF "$@"
}

configure "$T/build" >"$T/configure.log" 2>&1 || { show "$T/configure.log"; fail "configure failed"; }
"$CMAKE" --build "$T/build" >"$T/build.log" 2>&1 || { show "$T/build.log"; fail "build failed"; }

found=$T/build/found.txt
grep -qx "xpledge_DIR=$ROOT$LIBDIR/cmake/xpledge" "$found" || { show "$found"; fail "found another xpledge package"; }
grep -qx "xpledge_VERSION=$VERSION" "$found" || { show "$found"; fail "xpledge_VERSION"; }
grep -qx "xpledge_EXECUTABLE=$ROOT$BINDIR/xpledge" "$found" || { show "$found"; fail "xpledge_EXECUTABLE"; }
grep -qx "xpledge_POLICY_DIR=$ROOT$DATADIR/policies" "$found" || { show "$found"; fail "xpledge_POLICY_DIR"; }
[ -x "$ROOT$BINDIR/xpledge" ] && [ -f "$ROOT$DATADIR/policies/default.yaml" ] || fail "the variables name missing files"

# (Outputs are captured before grep: with pipefail, grep -q ending a pipe early fails it.)
dyn_shared=$(readelf -d "$T/build/consumer_shared") && dyn_static=$(readelf -d "$T/build/consumer_static") \
  || fail "readelf failed"
grep -q 'NEEDED.*\[libxpledge\.so\.0\]' <<<"$dyn_shared" \
  || fail "consumer_shared does not link libxpledge.so.0"
! grep -q libxpledge <<<"$dyn_static" || fail "consumer_static needs libxpledge.so"
# Alone, the library confines the program itself (Landlock, seccomp); asked to require a
# supervisor, it installs nothing.
expected='xpledge_supported=0 unveil=ok lock=ok open_unveiled=ok open_hidden=EACCES pledge=ok socket=EPERM'
expected_required='xpledge_supported=0 unveil=ENOSYS lock=ENOSYS open_unveiled=ok open_hidden=ok pledge=ENOSYS socket=ok'
for exe in consumer_shared consumer_static; do
  # No LD_LIBRARY_PATH: CMake's build RPATH points at the imported library in the root.
  out=$("$T/build/$exe") || fail "$exe exited $?"
  [ "$out" = "$expected" ] || fail "$exe printed '$out', expected '$expected'"
  out=$(XPLEDGE_REQUIRE_SUPERVISOR=1 "$T/build/$exe") || fail "$exe exited $?"
  [ "$out" = "$expected_required" ] || fail "$exe (XPLEDGE_REQUIRE_SUPERVISOR=1) printed '$out', expected '$expected_required'"
done
grep -qF "$ROOT$LIBDIR/libxpledge.so.0" <<<"$(ldd "$T/build/consumer_shared")" \
  || fail "consumer_shared does not load the package's libxpledge.so.0"

# SameMajorVersion: 0.x is compatible with 0.1, 1.0 is not.
if configure "$T/build-v1" -DXPLEDGE_WANT_VERSION=1.0 >"$T/v1.log" 2>&1; then
  fail "find_package(xpledge 1.0) accepted version $VERSION"
fi
grep -q 'considered but not accepted' "$T/v1.log" && grep -q "version: $VERSION" "$T/v1.log" \
  || { show "$T/v1.log"; fail "find_package(xpledge 1.0) failed for another reason"; }
note "find_package(xpledge) from $ROOT$PREFIX: shared and static consumers ran: $expected"
