#!/usr/bin/env bash
# glibc's malloc reads /proc/sys/vm/overcommit_memory when it first shrinks a thread's heap,
# whenever that happens: stdio allows that read, so a pledged threaded program logs no denial
# at random (learned policies were flaky on it).
# shellcheck source=lib.sh
. "$PLEDGE_TESTS_SRC/lib.sh"

# First prove that this glibc makes the read: refuse it by policy with an unusual errno.
cat >"$T/refuse.yaml" <<'YAML'
version: 1
default: allow
deny:
  - { syscall: openat, path: [/proc/sys/vm/overcommit_memory], errno: ENOTNAM }
YAML
xp "$T/refuse.yaml" "$V/pledge_heap_shrink"
assert_line "heap trimmed"
assert_exit 0
grep -Eq '^xpledge: deny .*openat\(.*"/proc/sys/vm/overcommit_memory".*ENOTNAM' "$T/err" ||
  skip "this glibc did not read /proc/sys/vm/overcommit_memory when trimming a thread's heap"

xp "$DENY" "$V/pledge_heap_shrink" pledge
assert_line 'xpledge("stdio", NULL) = 0'
assert_line "heap trimmed"
assert_exit 0
assert_no_denial
