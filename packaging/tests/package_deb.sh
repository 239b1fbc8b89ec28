#!/usr/bin/env bash
# packaging.deb: build the .deb with cpack from this build tree, check its control data and its
# file list, and unpack it into $WORK/deb/root for the tests that use the installed files.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_cmd cpack dpkg-deb dpkg-shlibdeps
[ -f "${CPACK_CONFIG:-}" ] || fail "no CPack configuration at ${CPACK_CONFIG:-<unset>}"

# Everything of this test lives in $WORK/deb (other tests of the fixture read $ROOT there).
D=$WORK/deb
rm -rf "$D"
mkdir -p "$D/cpack" "$D/control"

# --- build -----------------------------------------------------------------------------------
if ! cpack -G DEB --config "$CPACK_CONFIG" -B "$D/cpack" >"$D/cpack.log" 2>&1; then
  show "$D/cpack.log"
  fail "cpack -G DEB failed"
fi
debs=("$D"/cpack/*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || fail "expected one .deb in $D/cpack, got: ${debs[*]}"
DEB=${debs[0]}
arch=$(dpkg --print-architecture)
[ "$(basename "$DEB")" = "xpledge_${VERSION}-1_${arch}.deb" ] \
  || fail "package file name: expected xpledge_${VERSION}-1_${arch}.deb, got $(basename "$DEB")"
note "built $(basename "$DEB") ($(stat -c %s "$DEB") bytes)"

# --- control data ----------------------------------------------------------------------------
field() { dpkg-deb -f "$DEB" "$1"; }
[ "$(field Package)" = xpledge ] || fail "Package: $(field Package)"
[ "$(field Version)" = "${VERSION}-1" ] || fail "Version: $(field Version)"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture: $(field Architecture)"
[ "$(field Section)" = admin ] || fail "Section: $(field Section)"
[[ "$(field Maintainer)" =~ ^[^\<]+\ \<[^\>]+@[^\>]+\>$ ]] || fail "Maintainer: '$(field Maintainer)'"
# dpkg-shlibdeps computed Depends from what the binaries link, with versions: libc (libxpledge)
# and, for a dynamic xpledge (XPLEDGE_STATIC=OFF), libseccomp. A static xpledge (the default)
# links nothing: none of the libraries it has built in may appear (they would be dead weight,
# and a sign that the executable is not static after all).
depends=$(field Depends)
needed="libc6"
[ "$XPLEDGE_STATIC" = ON ] || needed="libc6 libseccomp2"
for lib in $needed; do
  [[ "$depends" =~ (^|, )$lib\ \(\>=\ [0-9] ]] || fail "Depends lacks a versioned $lib: '$depends'"
done
if [ "$XPLEDGE_STATIC" = ON ]; then
  for lib in libseccomp2 libyaml-cpp libspdlog libfmt libstdc++ libgcc-s; do
    [[ "$depends" =~ (^|, )$lib ]] && fail "Depends names $lib, built into the static xpledge: '$depends'"
  done
fi
# Debian's description: a synopsis, then a long description whose lines start with a space.
dpkg-deb -I "$DEB" >"$D/info.txt"
grep -q '^ Description: run programs under a syscall policy' "$D/info.txt" \
  || { show "$D/info.txt"; fail "no Description synopsis"; }
grep -A1 '^ Description: ' "$D/info.txt" | tail -1 | grep '^  xpledge runs a command under a YAML syscall policy' >/dev/null \
  || { show "$D/info.txt"; fail "long description is missing, not indented or repeats the synopsis"; }

dpkg-deb -e "$DEB" "$D/control"
# Conffiles: exactly the files shipped under the configuration directory.
[ -f "$D/control/conffiles" ] || fail "no DEBIAN/conffiles"
dpkg-deb -c "$DEB" >"$D/contents.txt"
awk '{ sub(/^\./, "", $6); print $6 }' "$D/contents.txt" | sort >"$D/files.txt"
grep -v '/$' "$D/files.txt" | grep "^$CONFDIR/" | sort >"$D/etc-files.txt"
sort "$D/control/conffiles" | diff -u "$D/etc-files.txt" - >"$D/conffiles.diff" \
  || { show "$D/conffiles.diff"; fail "DEBIAN/conffiles does not list exactly the files under $CONFDIR"; }
grep -qx "$CONFDIR/README" "$D/control/conffiles" || fail "$CONFDIR/README is not a conffile"
# A shlibs entry for libxpledge.so.0 and ldconfig triggers for the shared library.
grep -Eq "^libxpledge 0 xpledge( |$)" "$D/control/shlibs" 2>/dev/null \
  || fail "DEBIAN/shlibs has no 'libxpledge 0 xpledge' line"
grep -qx 'activate-noawait ldconfig' "$D/control/triggers" 2>/dev/null \
  || fail "DEBIAN/triggers does not activate ldconfig"

# --- files -----------------------------------------------------------------------------------
expect_file() { grep -qx -- "$1" "$D/files.txt" || fail "the package lacks $1"; }
expect_file "$BINDIR/xpledge"
expect_file "$LIBDIR/libxpledge.so.$VERSION"
expect_file "$LIBDIR/libxpledge.so.0"
expect_file "$LIBDIR/libxpledge.so"
expect_file "$LIBDIR/libxpledge.a"
expect_file "$INCLUDEDIR/xpledge.h"
expect_file "$LIBDIR/pkgconfig/xpledge.pc"
for f in xpledgeConfig.cmake xpledgeConfigVersion.cmake xpledgeTargets.cmake; do
  expect_file "$LIBDIR/cmake/xpledge/$f"
done
expect_file "$DATADIR/policies/default.yaml"
for p in "$PROJECT_SRC"/policies/examples/*.yaml; do
  [ -e "$p" ] && expect_file "$DATADIR/policies/$(basename "$p")"
done
expect_file "$DATADIR/promises.yaml"
expect_file "$CONFDIR/README"
grep -qx "$CONFDIR/policies/" "$D/files.txt" || fail "the package lacks the directory $CONFDIR/policies/"
expect_file "$UNITDIR/xpledge@.service"
expect_file "$DOCDIR/systemd.md"
for f in xpledge-drop-in.conf http-demo.env http-demo.yaml; do
  expect_file "$DOCDIR/examples/systemd/$f"
done
# The Debian layout when built as a package should be (prefix /usr).
if [ "$PREFIX" = /usr ]; then
  [ "$CONFDIR" = /etc/xpledge ] || fail "prefix /usr but configuration in $CONFDIR"
  [[ "$LIBDIR" == /usr/lib/*-linux-gnu* ]] || fail "prefix /usr but libdir $LIBDIR is not multiarch"
else
  note "prefix is $PREFIX, not /usr: Debian-layout checks skipped (the package follows the prefix)"
fi
# Owned by root, nothing writable by others, no setuid bits.
awk '$2 != "root/root" { print }' "$D/contents.txt" >"$D/bad-owner.txt"
[ ! -s "$D/bad-owner.txt" ] || { show "$D/bad-owner.txt"; fail "files not owned by root/root"; }
awk 'substr($1, 9, 1) == "w" && substr($1, 1, 1) != "l" || $1 ~ /[sS]/ { print }' \
  "$D/contents.txt" >"$D/bad-mode.txt"
[ ! -s "$D/bad-mode.txt" ] || { show "$D/bad-mode.txt"; fail "world-writable or setuid files"; }

# --- unpack ----------------------------------------------------------------------------------
dpkg-deb -x "$DEB" "$ROOT"
# Nothing installed may point back into the build or source tree.
leaks=$(grep -rlF -e "$PROJECT_BUILD" -e "$PROJECT_SRC" "$ROOT" --include='*.pc' \
          --include='*.cmake' --include='*.service' --include='*.conf' --include='*.env' \
          --include='*.yaml' --include='*.md' --include=README 2>/dev/null)
[ -z "$leaks" ] || fail "installed files name the build or source tree: $leaks"
# Stripped, as Debian ships programs and shared libraries.
for f in "$ROOT$BINDIR/xpledge" "$ROOT$LIBDIR/libxpledge.so.$VERSION"; do
  ! grep -q -e '\.symtab' -e '\.debug_info' <<<"$(readelf -S "$f")" || fail "${f#"$ROOT"} is not stripped"
done
rpath=$(grep -E 'R(UN)?PATH' <<<"$(readelf -d "$ROOT$BINDIR/xpledge")")
if grep -qF -e "$PROJECT_BUILD" -e "$PROJECT_SRC" <<<"$rpath"; then
  fail "the installed xpledge has an RPATH into the build tree"
fi
# The unit names the installed program and configuration directory.
unit=$ROOT$UNITDIR/xpledge@.service
grep -q "^ExecStart=$BINDIR/xpledge run " "$unit" || fail "the unit does not start $BINDIR/xpledge"
grep -q "^EnvironmentFile=$CONFDIR/%i.env$" "$unit" || fail "the unit does not read $CONFDIR/%i.env"
grep -q -- "--policy $CONFDIR/policies/%i.yaml" "$unit" || fail "the unit does not use $CONFDIR/policies/%i.yaml"

# --- issue 20: copyright, completions, compressed man pages, docs without source-tree links ----
expect_file "$DOCDIR/copyright"
head -n 1 "$ROOT$DOCDIR/copyright" |
  grep -qx 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' ||
  fail "$DOCDIR/copyright is not a machine-readable (DEP-5) copyright file"
grep -q '^License: ' "$ROOT$DOCDIR/copyright" || fail "$DOCDIR/copyright has no License field"
# Completions where each shell looks, identical to what the installed program generates.
for shell_path in "bash:bash-completion/completions/xpledge" "zsh:zsh/vendor-completions/_xpledge" \
                  "fish:fish/vendor_completions.d/xpledge.fish"; do
  shell=${shell_path%%:*}
  path=$SHAREDIR/${shell_path#*:}
  expect_file "$path"
  "$XPLEDGE" completion "$shell" | cmp -s - "$ROOT$path" ||
    fail "$path differs from \`xpledge completion $shell\`"
done
bash -n "$ROOT$SHAREDIR/bash-completion/completions/xpledge" || fail "the installed bash completion does not parse"
# Man pages compressed as Debian ships them: gzip -9n (no name, no time stamp), none plain.
if [ -d "$PROJECT_BUILD/man" ]; then
  for page in man1/xpledge.1 man3/xpledge.3 man5/xpledge.yaml.5; do
    expect_file "$MANDIR/$page.gz"
    ! grep -qx "$MANDIR/$page" "$D/files.txt" || fail "$MANDIR/$page is installed uncompressed"
    gzip -t "$ROOT$MANDIR/$page.gz" || fail "$MANDIR/$page.gz is not a valid gzip file"
    header=$(od -An -tx1 -N8 "$ROOT$MANDIR/$page.gz" | tr -d ' \n')
    [ "${header:6:10}" = 0000000000 ] || fail "$MANDIR/$page.gz carries a name or time stamp (header $header)"
  done
else
  note "no man pages in this build (scdoc missing): man page checks skipped"
fi
# The docs link to installed files, never back into the source tree ("../packaging/...").
for md in "$ROOT$DOCDIR"/*.md; do
  ! grep -nE '\]\((\.\./|man/)' "$md" || fail "${md#"$ROOT"} links into the source tree"
  while read -r target; do
    [ -e "$ROOT$target" ] || fail "${md#"$ROOT"} links to $target, which the package does not install"
  done < <(grep -o '](/[^)#]*)' "$md" | sed 's/^](//; s/)$//')
  while read -r target; do
    [ -e "$ROOT$DOCDIR/$target" ] || fail "${md#"$ROOT"} links to $target, not in $DOCDIR"
  done < <(grep -o '](examples/[^)#]*)' "$md" | sed 's/^](//; s/)$//')
done
note "unpacked into $ROOT"
