#!/usr/bin/env bash
# Issue 20: a learned policy you can ship, for a web server (python3 -m http.server from
# Debian's python3). Learn it serving two pages of a web root, then ADD a page: under the learned
# policy, permissive (nothing would be refused) and enforced, the new page is served, and a file
# outside the web root (a decoy secret made here) is refused, by the server and by any program
# run under the same policy.
# shellcheck source=lib.sh
. "$TESTS_SRC/lib.sh"
# shellcheck source=learn_lib.sh
. "$TESTS_SRC/learn_lib.sh"
XP_TIMEOUT=${XP_TIMEOUT_LEARN:-60}
PY=/usr/bin/python3
[ -x "$PY" ] || skip "Debian's python3 ($PY) is not installed"
require_cmd curl

mkdir -p "$T/www/docs" "$T/secret"
echo '<p>home</p>' >"$T/www/index.html"
echo '<p>guide</p>' >"$T/www/docs/guide.html"
echo 'root:$6$decoy-hash:19000:0:99999:7:::' >"$T/secret/shadow"
# A way out of the web root: the server follows it, the policy's trees must not.
ln -s "$T/secret" "$T/www/escape"
# The server starts in its web root (as a unit with WorkingDirectory= would): python lists its
# working directory, which the web root's tree then covers.
cd "$T/www" || fail "cannot cd to $T/www"

# serve KIND ARGS...: start `xpledge KIND ARGS... -- python3 -m http.server` on a free port in
# the background ($XP_PID, port in $PORT) and wait until it answers.
serve() {
  local kind=$1 try
  shift
  for try in 1 2 3 4 5; do
    PORT=$((20000 + RANDOM % 20000))
    xp_sub_bg "$kind" "$T/srv.out" "$T/srv.err" "$@" -- "$PY" -m http.server --bind 127.0.0.1 \
      --directory "$T/www" "$PORT"
    local deadline=$((SECONDS + XP_TIMEOUT))
    while kill -0 "$XP_PID" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
      curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/" && return 0
      sleep 0.2
    done
    kill -9 "$XP_PID" 2>/dev/null
    wait "$XP_PID" 2>/dev/null
    grep -q 'Address already in use' "$T/srv.err" || break
  done
  cp "$T/srv.err" "$T/err"
  fail "xpledge $kind: http.server did not answer on port $PORT"
}

# fetch PATH: the body ($T/body) and HTTP status ($code) of http://127.0.0.1:$PORT/PATH.
fetch() {
  code=$(curl -s -o "$T/body" -w '%{http_code}' --max-time 10 "http://127.0.0.1:$PORT/$1")
}

# stop: SIGINT the background xpledge (Ctrl-C), wait for it; its stderr -> $T/err.
stop() {
  kill -INT "$XP_PID"
  wait_bg "$XP_PID" "$XP_TIMEOUT"
  cp "$T/srv.err" "$T/err"
}

note "learn: serve index.html and docs/guide.html"
# xp_sub_bg adds run's engine flags; learn takes none (it stops at every call).
XPLEDGE_RUN_FLAGS='' serve learn -o "$T/web.yaml"
fetch index.html
assert_eq "$code" 200
fetch docs/guide.html
assert_eq "$code" 200
stop
[ -s "$T/web.yaml" ] || fail "learn wrote no policy"
xp_cmd check "$T/web.yaml"
assert_exit 0
# The symlink out of the web root is refused by the kernel, where Landlock holds the trees.
kernel_reads=0
grep -q '^  read: kernel' "$T/out" && kernel_reads=1
if [ "$kernel_reads" = 1 ]; then
  # Where Landlock holds the reads, it decides the learned server's opens (issue 20).
  assert_contains "$T/out" '^  openat \(x86_64\): decided by the kernel'
fi
# The web root became a tree; neither the decoy nor this machine's PATH probes are in it.
assert_contains "$T/web.yaml" "^      - $(re_escape "$T/www")/\\*\\*$"
assert_not_contains "$T/web.yaml" "$(re_escape "$T/www/index.html")"
assert_not_contains "$T/web.yaml" "^      - .*secret"

note "a page added after learning"
echo '<p>news</p>' >"$T/www/news.html"

note "permissive: nothing would be refused"
serve run --permissive -p "$T/web.yaml"
fetch news.html
assert_eq "$code" 200
assert_line "$T/body" '<p>news</p>'
stop
assert_not_contains "$T/err" '^xpledge: would (deny|kill) '

note "enforced: the new page is served, the decoy is not"
serve run --stats -p "$T/web.yaml"
fetch news.html
assert_eq "$code" 200
assert_line "$T/body" '<p>news</p>'
fetch index.html
assert_eq "$code" 200
if [ "$kernel_reads" = 1 ]; then
  fetch escape/shadow
  [ "$code" != 200 ] || fail "the learned policy served $T/secret/shadow through a symlink in the web root"
  assert_not_contains "$T/body" 'decoy-hash'
else
  echo "SKIP (part): [$TEST_NAME] symlink out of the web root: Landlock does not hold the learned trees here (xpledge check: $(grep '^  read:' "$T/out"))" >&2
fi
stop
assert_not_contains "$T/err" '^xpledge: kill '
if landlock_decides_opens "$T/web.yaml"; then
  # Every open the server made was read-only: none stopped (--stats lists no openat).
  assert_contains "$T/err" '^xpledge: +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +total$'
  assert_not_contains "$T/err" '^xpledge: +[0-9]+ .* openat$'
fi

note "enforced: another program under the same policy cannot read the decoy either"
xp -p "$T/web.yaml" -- "$PY" -c '
import sys
try:
    open(sys.argv[1]).read(); print("read")
except OSError as e:
    print("errno", e.errno)' "$T/secret/shadow"
assert_line "$T/out" 'errno 13'  # EACCES: the learned policy's errno, and Landlock's
xp -p "$T/web.yaml" -- "$PY" -c 'print(open("'"$T/www/news.html"'").read(), end="")'
assert_exit 0
assert_line "$T/out" '<p>news</p>'
exit 0
