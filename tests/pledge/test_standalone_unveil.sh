#!/usr/bin/env bash
# No supervisor: xunveil() builds a Landlock domain, applied at the lock (xunveil(NULL, NULL),
# or an xpledge() that drops `unveil`). Ported from OpenBSD regress/sys/kern/unveil where
# Landlock can say the same; where it answers differently (EACCES, not ENOENT, outside every
# unveiled path) the test asserts what Linux does and docs/pledge.md says so.
# shellcheck source=lib.sh
. "$PLEDGE_TESTS_SRC/lib.sh"
abi=$(python3 -c 'import ctypes; l=ctypes.CDLL(None, use_errno=True); print(l.syscall(444, None, 0, 1))' 2>/dev/null)
[ "${abi:-0}" -ge 1 ] 2>/dev/null || skip "no Landlock in this kernel (landlock_create_ruleset version: ${abi:-?})"

mkdir -p "$T/dir/sub" "$T/other"
echo in >"$T/dir/file"
echo in >"$T/dir/sub/deep"
echo out >"$T/other/file"
ln -s "$T/other/file" "$T/dir/link_out"

# Read-only directory: its subtree reads, nothing else; outside it nothing opens.
run "$V/pledge_steps" "unveil:$T/dir:r" "unveil:NULL:NULL" "open:r:$T/dir/file" \
  "open:r:$T/dir/sub/deep" "open:w:$T/dir/file" "open:c:$T/dir/new" "open:r:$T/other/file" \
  "open:r:$T/readable" "open:r:$T/dir/../other/file" "open:r:$T/dir/link_out" "mkdir:$T/dir/d"
assert_line "unveil:$T/dir:r = ok"
assert_line "unveil:NULL:NULL = ok"
assert_line "open:r:$T/dir/file = ok"
assert_line "open:r:$T/dir/sub/deep = ok"
assert_line "open:w:$T/dir/file = EACCES"            # no w
assert_line "open:c:$T/dir/new = EACCES"             # no c
assert_line "open:r:$T/other/file = EACCES"          # OpenBSD: ENOENT
assert_line "open:r:$T/readable = EACCES"
assert_line "open:r:$T/dir/../other/file = EACCES"   # .. cannot lead out
assert_line "open:r:$T/dir/link_out = EACCES"        # nor a symlink
assert_line "mkdir:$T/dir/d = EACCES"
[ ! -e "$T/dir/new" ] && [ ! -e "$T/dir/d" ] || fail "a refused create happened"

# Permissions per path: a file with rw, a directory with rwc; x is separate from r.
run "$V/pledge_steps" "unveil:$T/writable:rw" "unveil:$T/other:rwc" "unveil:NULL:NULL" \
  "open:w:$T/writable" "open:r:$T/writable" "open:c:$T/other/made" "mkdir:$T/other/d" \
  "open:r:$T/dir/file"
assert_line "open:w:$T/writable = ok"
assert_line "open:r:$T/writable = ok"
assert_line "open:c:$T/other/made = ok"
assert_line "mkdir:$T/other/d = ok"
assert_line "open:r:$T/dir/file = EACCES"
[ -e "$T/other/made" ] && [ -d "$T/other/d" ] || fail "the allowed creates did not happen"

# Errors of the call: bad permission letters EINVAL, a missing path ENOENT (a file that does
# not exist yet cannot be unveiled: Landlock needs the object), after the lock EPERM.
run "$V/pledge_steps" "unveil:$T/dir:rz" "unveil:$T/missing:rwc" "unveil:$T/dir:r" \
  "unveil:NULL:NULL" "unveil:$T/other:r" "unveil:NULL:NULL" "open:r:$T/other/file"
assert_line "unveil:$T/dir:rz = EINVAL"
assert_line "unveil:$T/missing:rwc = ENOENT"
assert_line "unveil:$T/dir:r = ok"
assert_line "unveil:$T/other:r = EPERM"
assert_line "open:r:$T/other/file = EACCES"
assert_exit 13

# Before the lock nothing is hidden yet; relative paths are taken against the cwd at the call.
run env -C "$T" "$V/pledge_steps" "unveil:dir:r" "open:r:$T/other/file" "unveil:NULL:NULL" \
  "open:r:$T/dir/file" "open:r:$T/other/file"
assert_line "unveil:dir:r = ok"
assert_line "open:r:$T/other/file = ok"
assert_line "open:r:$T/dir/file = ok"
assert_line "open:r:$T/other/file = EACCES"

# An xpledge() that drops `unveil` locks; one that keeps it does not.
run "$V/pledge_steps" "unveil:$T/dir:r" "pledge:stdio rpath" "open:r:$T/other/file" \
  "unveil:$T/other:r"
assert_line "pledge:stdio rpath = ok"
assert_line "open:r:$T/other/file = EACCES"
assert_line "unveil:$T/other:r = EPERM"
run "$V/pledge_steps" "unveil:$T/dir:r" "pledge:stdio rpath unveil" "unveil:$T/other:r" \
  "unveil:NULL:NULL" "open:r:$T/other/file" "open:r:$T/readable"
assert_line "pledge:stdio rpath unveil = ok"
assert_line "unveil:$T/other:r = ok"
assert_line "unveil:NULL:NULL = ok"
assert_line "open:r:$T/other/file = ok"
assert_line "open:r:$T/readable = EACCES"

# Inherited across fork.
run "$V/pledge_steps" "unveil:$T/dir:r" "unveil:NULL:NULL" fork "open:r:$T/other/file"
assert_line "open:r:$T/other/file = EACCES"
assert_line "fork = exited 13"

# A thread already running at the lock would stay outside the domain (no Landlock TSYNC
# before ABI 8): the lock refuses with EBUSY instead of pretending.
run "$V/pledge_steps" "unveil:$T/dir:r" thread "unveil:NULL:NULL"
assert_line "unveil:NULL:NULL = EBUSY"

# On request, nothing without a supervisor.
XPLEDGE_REQUIRE_SUPERVISOR=1 run "$V/pledge_steps" "unveil:$T/dir:r" "unveil:NULL:NULL" \
  "open:r:$T/other/file"
assert_line "unveil:$T/dir:r = ENOSYS"
assert_line "open:r:$T/other/file = ok"

# The domain survives exec (OpenBSD drops unveil there): the new image, given what its loader
# needs, still cannot open what was not unveiled.
steps=()
for d in /usr /lib /lib64 /etc "$V"; do [ -e "$d" ] && steps+=("unveil:$d:rx"); done
run "$V/pledge_steps" "${steps[@]}" "unveil:NULL:NULL" exec "$V/pledge_steps" \
  "open:r:$T/readable"
assert_line "open:r:$T/readable = EACCES"
assert_exit 13
