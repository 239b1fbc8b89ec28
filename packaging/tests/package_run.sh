#!/usr/bin/env bash
# packaging.deb_run: the xpledge from the unpacked .deb works with the policies it ships:
# every shipped policy passes `xpledge check`, /bin/true runs, and a call the installed default
# policy denies is refused and logged with a rule that names the installed file.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_package
X=$ROOT$BINDIR/xpledge
POLICIES=$ROOT$DATADIR/policies
T=$WORK/run
rm -rf "$T" && mkdir -p "$T"

# The installed program finds every library it needs on this system (the package's Depends).
ldd "$X" >"$T/ldd.txt" 2>&1 || { show "$T/ldd.txt"; fail "ldd $X failed"; }
! grep -q 'not found' "$T/ldd.txt" || { show "$T/ldd.txt"; fail "unresolved libraries"; }

# XPLEDGE_STATIC (the default): no program interpreter and no shared library, and still what the
# dynamic build was (docs/packaging.md): position-independent (ASLR), RELRO, non-executable
# stack; bound now (full RELRO).
if [ "$XPLEDGE_STATIC" = ON ]; then
  readelf -lW "$X" >"$T/phdrs.txt" && readelf -hdW "$X" >"$T/dyn.txt" || fail "readelf $X"
  ! grep -q 'INTERP' "$T/phdrs.txt" || { show "$T/phdrs.txt"; fail "static xpledge has an interpreter"; }
  ! grep -q 'NEEDED' "$T/dyn.txt" || { show "$T/dyn.txt"; fail "static xpledge needs shared libraries"; }
  grep -q 'Type: *DYN' "$T/dyn.txt" && grep -q 'FLAGS_1.*PIE' "$T/dyn.txt" \
    || { show "$T/dyn.txt"; fail "static xpledge is not a static-pie: ASLR lost"; }
  grep -q 'GNU_RELRO' "$T/phdrs.txt" || { show "$T/phdrs.txt"; fail "no RELRO"; }
  grep -q 'FLAGS_1.*NOW' "$T/dyn.txt" || { show "$T/dyn.txt"; fail "not bound now"; }
  grep -A1 'GNU_STACK' "$T/phdrs.txt" | grep -q 'RWE' && fail "executable stack"
  note "static-pie: no interpreter, no NEEDED, PIE, RELRO, BIND_NOW, NX stack"
fi

run_to "$T/out" "$T/err" "$X" --version
[ "$rc" -eq 0 ] && grep -qx "xpledge $VERSION" "$T/out" || { show "$T/out" "$T/err"; fail "--version"; }

# Shipped policies must load: a broken one would make `xpledge@NAME` exit 125 at start.
for p in "$POLICIES"/*.yaml "$ROOT$DOCDIR"/examples/systemd/*.yaml; do
  run_to "$T/out" "$T/err" "$X" check "$p"
  [ "$rc" -eq 0 ] || { show "$T/err"; fail "xpledge check ${p#"$ROOT"} exited $rc"; }
done
note "xpledge check: all $(find "$POLICIES" "$ROOT$DOCDIR/examples" -name '*.yaml' | wc -l) shipped policies load"

need_ptrace "$X"

# /bin/true under the installed default policy: status 0, nothing logged.
run_to "$T/out" "$T/err" "$X" run --policy "$POLICIES/default.yaml" -- /bin/true
[ "$rc" -eq 0 ] || { show "$T/err"; fail "xpledge run -- /bin/true exited $rc"; }
[ ! -s "$T/err" ] || { show "$T/err"; fail "xpledge run -- /bin/true logged something"; }

# A denied call: umount2 of a path that does not exist (nothing happens even if it ran).
target=/xpledge-package-test-does-not-exist
run_to "$T/out" "$T/err" "$X" run --policy "$POLICIES/default.yaml" -- "$FAKE_SERVICE" umount "$target"
[ "$rc" -eq 0 ] || { show "$T/out" "$T/err"; fail "the denial run exited $rc"; }
grep -qx 'umount2 = -1 EPERM' "$T/out" || { show "$T/out" "$T/err"; fail "umount2 was not refused with EPERM"; }
line=$(grep -E '^xpledge: deny ' "$T/err")
[ "$(grep -c '^xpledge: deny ' "$T/err")" -eq 1 ] || { show "$T/err"; fail "expected one deny line"; }
re="^xpledge: deny pid=[0-9]+ comm=fake_service umount2\(\"$target\", [^)]*\) = -1 EPERM rule=.*@$(re_escape "$POLICIES/default.yaml"):[0-9]+:[0-9]+$"
[[ "$line" =~ $re ]] || fail "deny line does not match /$re/: $line"
note "denial: $line"
