#!/usr/bin/env bash
# Issue 2 / 17: denied calls have no side effect: a denied mkdir creates nothing, a denied write
# leaves the file as it was, a denied kill signals nobody. Each is logged once, naming its rule.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
POL=$POLICIES/deny_side_effects.yaml
rule() { printf 'rule=deny\\[%s\\]@%s' "$1" "$(re_escape "$POL:$(rule_pos "$POL" "$2")")"; }

# mkdir -> deny[0]
d=$T/newdir
xp -p "$POL" -- "$VICTIMS/try_call" mkdir "$d"
assert_exit 0
assert_line "$T/out" "mkdir ret=-1 errno=EUCLEAN"
[ ! -e "$d" ] || fail "denied mkdir created $d"
pid=$(field "$T/out" pid)
assert_contains "$T/err" "^xpledge: deny pid=$pid comm=try_call mkdir\\($(re_escape "\"$d\""), [^)]*\\) = -1 EUCLEAN $(rule 0 mkdir)\$"
assert_lines "$T/err" 1

# write -> deny[1] (the victim reports through writev)
w=$T/file
printf 'original\n' >"$w"
xp -p "$POL" -- "$VICTIMS/try_call" write "$w"
assert_exit 0
assert_line "$T/out" "write ret=-1 errno=EUCLEAN"
[ "$(cat "$w")" = original ] || fail "denied write changed the file: $(cat "$w")"
pid=$(field "$T/out" pid)
fd=$(field "$T/out" fd)
assert_contains "$T/err" "^xpledge: deny pid=$pid comm=try_call write\\($fd, .*\\) = -1 EUCLEAN $(rule 1 write)\$"
assert_lines "$T/err" 1

# kill -> deny[2]: the target (a process of ours) must be untouched
sleep 30 &
target=$!
_xp_bg_pids+=("$target")
xp -p "$POL" -- "$VICTIMS/try_call" kill "$target" 15
assert_exit 0
assert_line "$T/out" "kill ret=-1 errno=EUCLEAN"
sleep 0.1
case $(proc_state "$target") in
  S | R | D) ;;
  *) fail "denied kill reached its target (state '$(proc_state "$target")')" ;;
esac
pid=$(field "$T/out" pid)
assert_contains "$T/err" "^xpledge: deny pid=$pid comm=try_call kill\\($target, (SIGTERM|15)\\) = -1 EUCLEAN $(rule 2 kill)\$"
assert_lines "$T/err" 1
kill "$target"
wait "$target" 2>/dev/null

# Control: without the policy the same three calls do have their effects.
xp -p "$POLICIES/allow_all.yaml" -- "$VICTIMS/try_call" mkdir "$d"
[ -d "$d" ] || fail "control: allowed mkdir did not create $d"
xp -p "$POLICIES/allow_all.yaml" -- "$VICTIMS/try_call" write "$w"
[ "$(cat "$w")" = "$(printf 'original\nhello')" ] || fail "control: allowed write did not append"
exit 0
