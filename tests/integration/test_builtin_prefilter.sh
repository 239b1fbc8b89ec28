#!/usr/bin/env bash
# Issue 21: `xpledge run` loads a pre-filter built at build time when the key of the policy and
# its Landlock plan (bpf/prefilter_key.hpp) is one the table has, and has libseccomp build one at
# start-up otherwise. The default policy and the shipped examples find theirs; a copy of an
# example with one more allowed call, or an exec path rule, misses and still enforces the rest:
# what it refuses is refused with its errno (EUCLEAN), and the program runs. With --no-seccomp
# there is no pre-filter to choose.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
EX=$(cd "$TESTS_SRC/../../policies/examples" && pwd -P) || fail "no policies/examples"

if [ -n "$XPLEDGE_RUN_FLAGS" ]; then
  xp -v -- /bin/true
  assert_exit 0
  assert_not_contains "$T/err" 'pre-filter:'
  exit 0
fi

note "the default policy and every shipped example: the built-in filter"
xp -v -- /bin/true
assert_exit 0
assert_line "$T/err" "xpledge: pre-filter: built in"
for p in "$EX"/*.yaml; do
  xp -v -p "$p" -- /bin/true
  assert_exit 0
  assert_line "$T/err" "xpledge: pre-filter: built in"
done

note "read-only-fs.yaml with EUCLEAN (the filter does not depend on the errno): built in"
sed 's/^errno: EPERM$/errno: EUCLEAN/' "$EX/read-only-fs.yaml" >"$T/ro.yaml"
grep -q '^errno: EUCLEAN$' "$T/ro.yaml" || fail "read-only-fs.yaml has no 'errno: EPERM' line"
xp -v -p "$T/ro.yaml" -- touch "$T/file"
assert_exit 1
assert_line "$T/err" "xpledge: pre-filter: built in"
assert_contains "$T/err" '^xpledge: deny .* = -1 EUCLEAN '
[ ! -e "$T/file" ] || fail "touch created $T/file under read-only-fs.yaml"

# The same with one more call allowed, and with an exec path rule (which changes no verdict
# here but makes mmap/mprotect with PROT_EXEC stop): another key, a filter built now.
for extra in "  - vhangup" "  - { syscall: execve, path: [/usr/**], access: exec }"; do
  note "read-only-fs.yaml plus '$extra': built at start-up, and still read-only"
  sed "s|^allow:\$|allow:\n$extra|" "$T/ro.yaml" >"$T/ro2.yaml"
  cmp -s "$T/ro.yaml" "$T/ro2.yaml" && fail "read-only-fs.yaml has no 'allow:' line"
  xp -v -p "$T/ro2.yaml" -- touch "$T/file"
  assert_exit 1
  assert_contains "$T/err" '^xpledge: pre-filter: built at start-up'
  assert_not_contains "$T/err" 'pre-filter: built in'
  assert_contains "$T/err" '^xpledge: deny .* = -1 EUCLEAN '
  [ ! -e "$T/file" ] || fail "touch created $T/file under the changed policy"
  xp -p "$T/ro2.yaml" -- /bin/true
  assert_exit 0
done
