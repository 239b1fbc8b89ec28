#!/usr/bin/env bash
# Unveil against calls that reach a file by no path the supervisor checks (attacks/
# unveil_unseen.c): a policy that allows open_by_handle_at, io_uring_*, pidfd_getfd and
# fanotify_mark by name must not let an unveiled process reach what it hid (EACCES, rule=unveil);
# name_to_handle_at and inotify_add_watch are path calls (ENOENT); openat2's RESOLVE_IN_ROOT
# and execveat(fd, "", AT_EMPTY_PATH) are judged where they lead. Under pledge the calls no
# promise allows are refused by pledge, and rpath's inotify_add_watch still by unveil.
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
mkdir -p "$T/open"
echo secret >"$T/hidden"
cp "$A/unveil_unseen" "$T/hidden_prog"
cp "$A/unveil_unseen" "$T/open/prog"

hx -p "$POLICIES/unveil_unseen.yaml" -- "$A/unveil_unseen" "$T" policy
note "$(cat "$T/out")"
assert_held
assert_ok name-handle uring-setup uring-enter uring-register getfd fanotify inotify \
  inotify-open in-root in-root-open fstat-fd fexec
# The handle variant needs name_to_handle_at to work on this filesystem; it says SKIP if not.
grep -q '^SKIP handle' "$T/out" || assert_ok handle
grep -q '^SKIP ring-held' "$T/out" || {
  assert_ok ring-held
  assert_logged "deny pid=[0-9]+ comm=unveil_unseen xunveil\\(.* = -1 EBUSY rule=xunveil"
}
for call in io_uring_setup io_uring_enter io_uring_register pidfd_getfd fanotify_mark; do
  assert_logged "deny pid=[0-9]+ comm=unveil_unseen $call\\(.* = -1 EACCES rule=unveil$"
done
assert_logged "deny pid=[0-9]+ comm=unveil_unseen inotify_add_watch\\(.* = -1 ENOENT rule=unveil$"
assert_logged "deny pid=[0-9]+ comm=unveil_unseen name_to_handle_at\\(.* = -1 ENOENT rule=unveil$"
assert_logged "deny pid=[0-9]+ comm=unveil_unseen execveat\\(.* = -1 ENOENT rule=unveil$"

hx -p "$POLICIES/unveil_unseen.yaml" -- "$A/unveil_unseen" "$T" pledge
note "$(cat "$T/out")"
assert_held
assert_ok uring-setup uring-enter getfd fanotify inotify inotify-open in-root fexec
assert_logged "deny pid=[0-9]+ comm=unveil_unseen io_uring_setup\\(.* rule=pledge"
assert_logged "deny pid=[0-9]+ comm=unveil_unseen inotify_add_watch\\(.* = -1 ENOENT rule=unveil$"
exit 0
