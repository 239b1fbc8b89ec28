#!/usr/bin/env bash
# xpledge's logs for journald and jq (issue 20): every message (errors, warnings, -v notes),
# not only the records, goes through one sink in one format: JSON Lines when asked (every line
# of a -v run's file parses), syslog priority prefixes when stderr is the journal. Records name
# the paths of calls denied by name (renameat2, symlinkat) and decode socket addresses.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
require_cmd python3

cat >"$T/deny.yaml" <<'EOF'
version: 1
default: allow
errno: EUCLEAN
deny:
  - connect
  - sendto
  - renameat2
  - symlinkat
EOF

# json_lines FILE: every line of FILE is a JSON object; prints "event syscall" per line.
json_lines() {
  python3 - "$1" <<'EOF' || fail "$(basename "$1") has a line that is not JSON"
import json, sys
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    try:
        d = json.loads(line)
    except ValueError as e:
        sys.exit(f"line {n}: {e}: {line!r}")
    if not isinstance(d, dict) or d.get("v") != 1:
        sys.exit(f"line {n}: not a v1 object: {line!r}")
    print(d["event"], d.get("syscall", d.get("level")), json.dumps(d.get("paths")),
          json.dumps(d.get("sockaddr")))
EOF
}

note "-v with --log-format json: every line of the log file is JSON, messages included"
touch "$T/src"
xp -v --log-format json --log-file "$T/log.json" -p "$T/deny.yaml" -- \
  sh -c "mv '$T/src' '$T/dst'; ln -s '$T/x' '$T/lnk'; exit 0"
assert_exit 0
json_lines "$T/log.json" >"$T/events"
assert_contains "$T/events" '^message info '
assert_line "$T/events" "deny renameat2 [\"$T/src\", \"$T/dst\"] null"
assert_line "$T/events" "deny symlinkat [\"$T/lnk\"] null"

note "socket addresses: family, address, port"
xp --log-format json -p "$T/deny.yaml" -- python3 -c '
import socket
for fam, addr in ((socket.AF_INET, ("127.0.0.1", 8080)), (socket.AF_INET6, ("::1", 53))):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    try: s.sendto(b"x", addr)
    except OSError: pass
u = socket.socket(socket.AF_UNIX)
try: u.connect("/run/xpledge-test.sock")
except OSError: pass
'
assert_exit 0
json_lines "$T/err" >"$T/events"
assert_line "$T/events" 'deny sendto [] {"family": "AF_INET", "address": "127.0.0.1", "port": 8080}'
assert_line "$T/events" 'deny sendto [] {"family": "AF_INET6", "address": "::1", "port": 53}'
assert_line "$T/events" 'deny connect [] {"family": "AF_UNIX", "address": "/run/xpledge-test.sock", "port": null}'
xp -p "$T/deny.yaml" -- python3 -c '
import socket
s = socket.socket()
try: s.connect(("127.0.0.1", 9))
except OSError: pass
'
assert_contains "$T/err" '^xpledge: deny pid=[0-9]+ comm=python3 connect\([0-9]+, \{AF_INET, 127\.0\.0\.1:9\}, 16\) = -1 EUCLEAN rule='

note "errors through the same sink: JSON on stderr, JSON in the file and a copy on stderr"
printf 'version: 1\ndefault: dney\n' >"$T/bad.yaml"
xp --log-format json -p "$T/bad.yaml" -- true
assert_exit 125
json_lines "$T/err" >"$T/events"
assert_line "$T/events" 'message error null null'
assert_contains "$T/err" "\"message\":\"$(re_escape "$T/bad.yaml"):2:10: error: 'default' must be one of"
xp --log-format json --log-file "$T/bad.json" -p "$T/bad.yaml" -- true
assert_exit 125
json_lines "$T/bad.json" >/dev/null
assert_count "$T/bad.json" '"level":"error"' 2
cmp -s "$T/bad.json" "$T/err" || fail "errors in the log file were not copied to stderr"
xp --log-format json -- "$T/no-such-program"
assert_exit 127
json_lines "$T/err" >/dev/null
assert_contains "$T/err" "\"level\":\"error\",\"message\":\"$(re_escape "$T/no-such-program"): No such file or directory\""

note "journald: priority prefixes on xpledge's own messages too"
: >"$T/journal"
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/journal")
export JOURNAL_STREAM
# shellcheck disable=SC2086
"$XPLEDGE" run $XPLEDGE_RUN_FLAGS -p "$T/bad.yaml" -- true 2>>"$T/journal"
# shellcheck disable=SC2086
"$XPLEDGE" run $XPLEDGE_RUN_FLAGS -- "$T/no-such-program" 2>>"$T/journal"
# shellcheck disable=SC2086
"$XPLEDGE" run $XPLEDGE_RUN_FLAGS --polcy x -- true 2>>"$T/journal"
# shellcheck disable=SC2086
"$XPLEDGE" run $XPLEDGE_RUN_FLAGS -p "$T/deny.yaml" -- sh -c "ln -s '$T/x' '$T/lnk2' 2>/dev/null" 2>>"$T/journal"
"$XPLEDGE" import oci "$T/bad.yaml" 2>>"$T/journal"
unset JOURNAL_STREAM
cat >"$T/journal.want" <<EOF
<3>$T/bad.yaml:2:10: error: 'default' must be one of allow, deny, kill; got 'dney'
<3>xpledge: 1 error in $T/bad.yaml; not starting the command
<3>xpledge: error: $T/no-such-program: No such file or directory
<3>xpledge: error: unknown option '--polcy' (did you mean '--policy'?)
<3>Try 'xpledge run --help'.
EOF
head -n 5 "$T/journal" | diff -u "$T/journal.want" - >&2 || fail "journal: not the prefixed lines expected"
assert_contains "$T/journal" "^<4>xpledge: deny pid=[0-9]+ comm=ln symlinkat\\(.*\\) = -1 EUCLEAN rule="
assert_contains "$T/journal" "^<3>$(re_escape "$T/bad.yaml"):1:1: error: not strict JSON"
assert_not_contains "$T/journal" '^[^<]'

note "rate limit: stderr keeps 200 a second and counts the rest; a log file keeps everything"
N=5000
xp -p "$POLICIES/deny_getppid.yaml" -- "$VICTIMS/deny_loop" "$N"
assert_exit 0
assert_line "$T/out" "denied=$N other=0"
shown=$(grep -Ec '^xpledge: deny .*getppid' "$T/err")
suppressed=$(sed -nE 's/^xpledge: warning: ([0-9]+) records? suppressed in the last [0-9.]+s \(more than 200 a second; --log-rate-limit\): deny getppid ([0-9]+)$/\1/p' "$T/err" |
  awk '{ n += $1 } END { print n + 0 }')
[ "$shown" -ge 200 ] && [ "$shown" -lt "$N" ] || fail "stderr: $shown records shown of $N"
[ $((shown + suppressed)) -eq "$N" ] || fail "stderr: $shown shown + $suppressed suppressed != $N"
xp -p "$POLICIES/deny_getppid.yaml" --log-file "$T/all.log" -- "$VICTIMS/deny_loop" "$N"
assert_exit 0
assert_count "$T/all.log" '^xpledge: deny .*getppid' "$N"
assert_not_contains "$T/all.log" 'suppressed'
xp -p "$POLICIES/deny_getppid.yaml" --log-format json --log-file "$T/limited.json" \
  --log-rate-limit 100 -- "$VICTIMS/deny_loop" "$N"
assert_exit 0
python3 - "$T/limited.json" "$N" <<'EOF' || fail "--log-rate-limit: records lost from the count"
import json, sys
shown = suppressed = 0
for line in open(sys.argv[1]):
    d = json.loads(line)
    if d["event"] == "deny":
        shown += 1
    elif d["event"] == "suppressed":
        assert d["rate"] == 100 and d["by"][0]["what"] == "deny getppid", d
        suppressed += d["count"]
assert 100 <= shown < int(sys.argv[2]) and shown + suppressed == int(sys.argv[2]), (shown, suppressed)
EOF

note "--stats with JSON on stderr: the table is one JSON message, every line still parses"
xp --stats --log-format json -p "$POLICIES/deny_getppid.yaml" -- "$VICTIMS/deny_loop" 3
assert_exit 0
json_lines "$T/err" >"$T/events"
assert_count "$T/events" '^deny getppid' 3
assert_line "$T/events" 'message info null null'
assert_contains "$T/err" '"message":"xpledge: +stops +denied'

note "-v hints name the promise meant: sendmsg needs sendfd, recvmsg recvfd (not dns)"
printf 'version: 1\ndefault: allow\nerrno: EUCLEAN\ndeny: [sendmsg, recvmsg, socket]\n' >"$T/hints.yaml"
xp -v -p "$T/hints.yaml" -- python3 -c '
import array, socket
a, b = socket.socketpair()
fds = array.array("i", [0])  # pass stdin: an SCM_RIGHTS message
for f in (lambda: b.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds.tobytes())]),
          lambda: a.recvmsg(10), lambda: socket.socket()):
    try: f()
    except OSError: pass
'
assert_exit 0
assert_contains "$T/err" '^xpledge: deny .* sendmsg\([0-9]+, \{msg_name=NULL, msg_iovlen=1, msg_control=\[SCM_RIGHTS\(1\)\]\}, 0\) = -1 EUCLEAN .* hint="sendmsg needs sendfd"$'
assert_contains "$T/err" '^xpledge: deny .* recvmsg\(.* hint="recvmsg needs recvfd"$'
assert_contains "$T/err" '^xpledge: deny .* socket\(AF_INET, .* hint="socket needs inet"$'
