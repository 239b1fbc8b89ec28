#!/usr/bin/env bash
# Issue 2 / 12: 32 threads x 10000 allowed syscalls (getpid/gettid, every result checked: no
# thread may see another's return value) plus one denied unlinkat per thread: exactly 32
# denial lines, one per thread, each with that thread's id and path.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
XP_TIMEOUT=60  # 320k syscalls: in pure PTRACE_SYSCALL mode each one costs two stops
POL=$POLICIES/deny_unlinkat.yaml
pos=$(rule_pos "$POL" unlinkat) || exit 1
mkdir "$T/d"
for i in $(seq 0 31); do : >"$T/d/t$i"; done

xp -p "$POL" -- "$VICTIMS/thread_storm" 32 10000 "$T/d"
assert_exit 0
assert_line "$T/out" "bad=0"
assert_count "$T/out" "^thread [0-9]+ pid=[0-9]+ unlinkat ret=-1 errno=EUCLEAN bad=0$" 32
assert_lines "$T/err" 32
assert_count "$T/err" "^xpledge: deny " 32
while read -r _ i pidkv _; do
  tid=${pidkv#pid=}
  [ -e "$T/d/t$i" ] || fail "thread $i's denied unlinkat removed its file"
  # Threads are logged as pid=<process> tid=<thread>.
  assert_contains "$T/err" \
    "^$(re_escape "xpledge: deny pid=")[0-9]+ $(re_escape "tid=$tid comm=thread_storm unlinkat(AT_FDCWD, \"$T/d/t$i\", 0) = -1 EUCLEAN rule=deny[0]@$POL:$pos")\$"
done < <(grep '^thread ' "$T/out")
exit 0
