#!/usr/bin/env bash
# Under `promises: [stdio, rpath]` a read-only open is allowed whatever its path, and its class
# is in the flags register: with the seccomp pre-filter it runs in the kernel without a stop
# (it stopped at every openat before). Opens for writing, truncating, creating (O_CREAT even
# with read access) and O_TMPFILE still stop and are refused with the policy's EUCLEAN and
# logged. Under --no-seccomp every call stops and is judged the same. A path deny rule or a
# `log` rule on openat makes read-only opens stop again.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
require_ptrace
N=150
printf 'data\n' >"$T/f"
seccomp=1
case " $XPLEDGE_RUN_FLAGS " in *" --no-seccomp "*) seccomp=0 ;; esac

# stats_count NAME: the stops column of NAME's row in the --stats table (0 if no row).
stats_count() {
  awk -v n="$1" '$1 == "xpledge:" && $NF == n && NF == 6 { print $2; found = 1 } END { if (!found) print 0 }' "$T/err"
}

# `xpledge check` says what the pre-filter decides.
xp_cmd check "$POLICIES/rpath_read.yaml"
assert_line "$T/out" "  openat: read opens run unseen, decided by their flags; the others stop"
assert_line "$T/out" "  open: read opens run unseen, decided by their flags; the others stop"
xp_cmd check "$POLICIES/rpath_read_denied.yaml"
assert_contains "$T/out" "^  openat: stops at every call \\(its verdict needs the path"
xp_cmd check "$POLICIES/rpath_read_logged.yaml"
assert_line "$T/out" "  openat: some read opens run unseen, decided by their flags; the others stop"

xp --stats -p "$POLICIES/rpath_read.yaml" -- "$VICTIMS/open_classes" "$T/f" "$T" "$N"
assert_exit 0
assert_line "$T/out" "reads ok=$((N * 4)) failed=0"
for k in wronly rdwr trunc creat tmpfile; do
  assert_line "$T/out" "$k ret=-1 errno=EUCLEAN"
done
[ "$(cat "$T/f")" = data ] || fail "the O_TRUNC open was refused but the file changed"
f_re=$(re_escape "\"$T/f\"")
assert_contains "$T/err" "^xpledge: deny pid=[0-9]+ comm=open_classes openat\\(AT_FDCWD, $f_re, O_WRONLY.* = -1 EUCLEAN rule=default@"
assert_contains "$T/err" "^xpledge: deny pid=[0-9]+ comm=open_classes openat\\(AT_FDCWD, $f_re, O_RDONLY\\|O_TRUNC.* = -1 EUCLEAN"
assert_count "$T/err" "^xpledge: deny .*comm=open_classes openat\\(" 5
openat=$(stats_count openat)
open=$(stats_count open)
if [ "$seccomp" = 1 ]; then
  # Exactly the five opens that are not reads stopped; none of the 4 x N reads (nor the
  # loader's) did.
  assert_eq 5 "$openat" "openat stops under the pre-filter"
  assert_eq 0 "$open" "open stops under the pre-filter"
else
  [ "$openat" -ge $((N * 3 + 5)) ] || fail "--no-seccomp: expected every openat to stop, saw $openat"
  [ "$open" -ge "$N" ] || fail "--no-seccomp: expected every open to stop, saw $open"
fi

# An allow rule with a path (writing /dev/null) narrows nothing: reads still run unseen, the
# writes stop and are judged on their path; O_TMPFILE in $T is still refused.
xp --stats -p "$POLICIES/rpath_read_devnull.yaml" -- "$VICTIMS/open_classes" /dev/null "$T" "$N"
assert_line "$T/out" "reads ok=$((N * 4)) failed=0"
for k in wronly rdwr trunc creat; do
  assert_line "$T/out" "$k ret=0 errno=0"
done
assert_line "$T/out" "tmpfile ret=-1 errno=EUCLEAN"
if [ "$seccomp" = 1 ]; then
  assert_eq 5 "$(stats_count openat)" "openat stops with an allow path rule"
fi

# A path deny rule on openat: the path matters, so reads stop (and the denied one is refused).
xp --stats -p "$POLICIES/rpath_read_denied.yaml" -- "$VICTIMS/open_classes" /etc/hostname "$T" 3
assert_line "$T/out" "reads ok=0 failed=12"
[ "$(stats_count openat)" -ge 14 ] || fail "a path deny rule on openat: reads should stop, saw $(stats_count openat)"

# A log rule on O_CLOEXEC opens: those stop and are logged, the others do not stop.
xp --stats -p "$POLICIES/rpath_read_logged.yaml" -- "$VICTIMS/open_classes" "$T/f" "$T" "$N"
assert_exit 0
assert_line "$T/out" "reads ok=$((N * 4)) failed=0"
assert_contains "$T/err" "^xpledge: log pid=[0-9]+ comm=open_classes openat\\(AT_FDCWD, $f_re, O_RDONLY\\|O_NONBLOCK\\|O_NOFOLLOW\\|O_CLOEXEC"
if [ "$seccomp" = 1 ]; then
  # N O_CLOEXEC openat; the loader's own O_CLOEXEC opens; the five refused ones.
  openat=$(stats_count openat)
  [ "$openat" -ge $((N + 5)) ] && [ "$openat" -lt $((N * 2)) ] ||
    fail "log rule: expected the $N O_CLOEXEC opens (and few others) to stop, saw $openat"
fi
exit 0
