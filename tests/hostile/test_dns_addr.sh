#!/usr/bin/env bash
# Issue 20, item 3: pledge "dns" reaches only the nameservers of /etc/resolv.conf, on port 53,
# and passes no descriptors. The test runs in a mount and network namespace of its own: a
# resolv.conf naming 127.0.0.77 is mounted over /etc/resolv.conf (xpledge reads it when it
# starts), and the loopback device carries the listeners on 127.0.0.77:53 (the nameserver) and
# 127.0.0.78:53 (elsewhere). A thread flips the address a loop connects and sends to, and the
# control message of a sendmsg: the supervisor pins what it judged (engine/addr_pinning.cpp), so
# nothing reaches 127.0.0.78 and no descriptor arrives; natively, both happen. sendmmsg, which
# glibc's resolver sends its A and AAAA queries with, runs as a sendmsg of its first message: a
# short send of 1 (glibc then send()s the second query), message 0 judged and pinned as a sendmsg
# is, the others never sent.
if [ -z "${XP_DNS_NS:-}" ]; then
  # Before lib.sh: its temporary directory and cleanup belong to the run inside.
  if ! unshare -m -n true 2>/dev/null; then
    echo "[test_dns_addr] SKIP: cannot make a mount and network namespace (unshare -m -n)" >&2
    exit 77
  fi
  XP_DNS_NS=1 exec unshare -m -n bash "$0" "$@"
fi
# shellcheck source=hostile.sh
. "$TESTS_SRC/hostile.sh"
SECONDS_RUN=${XP_DNS_RACE_SECONDS:-3}
XP_TIMEOUT=$((SECONDS_RUN * 10 + 30))
require_cmd ip mount
ip link set lo up || skip "cannot bring up lo in the test's network namespace"
echo "nameserver 127.0.0.77" >"$T/resolv.conf"
mount --bind "$T/resolv.conf" /etc/resolv.conf || skip "cannot mount over /etc/resolv.conf"

# The race is real: natively the flips reach 127.0.0.78 and pass descriptors.
native "$A/dns_addr" native 1
grep -q '^BYPASS race: ' "$T/nout" || fail "the race does not run natively: $(cat "$T/nout" "$T/nerr")"

# i386 allowed as an ABI, so that an int $0x80 sendmmsg meets pledge (it cannot be pinned).
hx -v -p "$POLICIES/deny_getppid_i386.yaml" -- "$A/dns_addr" dns "$SECONDS_RUN"
note "$(grep '^ok race' "$T/out")"
assert_held
assert_ok tcp-ns udp-ns udp-connect-ns sendmsg-ns sendmsg-plain udp-other sendmsg-other \
  tcp-other-80 tcp-ns-port v4mapped-other sendmsg-rights recvmsg race \
  mmsg-ns mmsg-ns-ns mmsg-other1 mmsg-other0 mmsg-rights0 mmsg-rights1 mmsg-connected mmsg-readonly
if grep -q '^SKIP mmsg-i386' "$T/out"; then
  note "$(grep '^SKIP mmsg-i386' "$T/out")"
else
  assert_ok mmsg-i386
  assert_logged "deny pid=[0-9]+ (tid=[0-9]+ )?comm=dns_addr \\[i386\\] sendmmsg\\(.* = -1 EPERM rule=pledge.*sendmmsg needs sendfd"
fi
assert_logged "deny pid=[0-9]+ (tid=[0-9]+ )?comm=dns_addr connect\\(.*127\\.0\\.0\\.1:80\\}.* = -1 EPERM rule=pledge.*connect needs inet"
assert_logged "deny pid=[0-9]+ (tid=[0-9]+ )?comm=dns_addr sendmsg\\(.*SCM_RIGHTS.* = -1 EPERM rule=pledge.*sendmsg needs sendfd"
assert_logged "deny pid=[0-9]+ (tid=[0-9]+ )?comm=dns_addr recvmsg\\(.* = -1 EPERM rule=pledge.*recvmsg needs recvfd"
# The rewrite says what it is at -v; message 0 to elsewhere is refused as the sendmmsg it is.
assert_logged "(info: )?pid [0-9]+: sendmmsg\\(fd [0-9]+, vlen 2\\) runs as sendmsg of its first message"
assert_logged "deny pid=[0-9]+ (tid=[0-9]+ )?comm=dns_addr sendmmsg\\(.* = -1 EPERM rule=pledge.*sendmmsg needs sendfd"

# The honest client: glibc's getaddrinfo (AF_UNSPEC) asks the nameserver (a few lines of Python
# answering A queries with 10.1.2.3, AAAA with nothing) under "stdio dns", with glibc's default
# resolver options: its A and AAAA queries go out in one sendmmsg, which runs as a sendmsg of the
# first; glibc sends the second with send(). The nameserver logs the query types it got.
if command -v python3 >/dev/null 2>&1; then
  printf 'nameserver 127.0.0.77\n' >"$T/resolv.conf"
  printf 'hosts: files dns\n' >"$T/nsswitch.conf"
  mount --bind "$T/nsswitch.conf" /etc/nsswitch.conf || skip "cannot mount over /etc/nsswitch.conf"
  python3 - "$T/dnsd.ready" "$T/dnsd.log" <<'PY' &
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.77", 53))
open(sys.argv[1], "w").write("ready\n")
log = open(sys.argv[2], "a", buffering=1)
while True:
    q, peer = s.recvfrom(512)
    try:
        end = 12
        while q[end]:
            end += 1 + q[end]
        question = q[12:end + 5]
        qtype = struct.unpack(">H", q[end + 1:end + 3])[0]
    except (IndexError, struct.error):
        log.write("junk %r\n" % q)
        continue
    log.write("qtype %d\n" % qtype)
    is_a = qtype == 1
    answer = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + bytes([10, 1, 2, 3]) if is_a else b""
    s.sendto(struct.pack(">HHHHHH", q[0] << 8 | q[1], 0x8180, 1, int(is_a), 0, 0) + question + answer, peer)
PY
  dnsd=$!
  _xp_bg_pids+=("$dnsd")
  wait_for_file "$T/dnsd.ready" 30
  hx -v --stats -p "$POLICIES/allow_all.yaml" -- "$A/dns_addr" resolve example.test
  assert_held
  assert_contains "$T/out" '^ok resolve: example.test is 10\.1\.2\.3$'
  assert_contains "$T/dnsd.log" '^qtype 1$'
  assert_contains "$T/dnsd.log" '^qtype 28$'
  assert_logged "(info: )?pid [0-9]+: sendmmsg\\(fd [0-9]+, vlen 2\\) runs as sendmsg"
  # --stats counts the program's sendmmsg; no sendmsg it never made.
  assert_contains "$T/err" '^xpledge: +1( +0){3} +sendmmsg$'
  assert_not_contains "$T/err" '^xpledge: +[0-9]+( +[0-9]+){3} +sendmsg$'
  # A policy with the dns promise (default deny, EUCLEAN), no xpledge(): the same, and message 0
  # to elsewhere gets the policy's EUCLEAN.
  : >"$T/dnsd.log"
  hx -v -p "$POLICIES/dns_promise.yaml" -- "$A/dns_addr" policy example.test
  assert_held
  assert_ok resolve mmsg-other0 mmsg-own-filter
  assert_contains "$T/dnsd.log" '^qtype 28$'
  assert_not_contains "$T/dnsd.log" '^junk'
  # musl's resolver: it binds the unspecified address, port 0, then sendto()s each query.
  if command -v musl-gcc >/dev/null 2>&1; then
    musl-gcc -static -O1 -o "$T/musl_resolve" "$TESTS_SRC/attacks/musl/dns_resolve.c" ||
      fail "musl-gcc cannot build attacks/musl/dns_resolve.c"
    : >"$T/dnsd.log"
    hx -v -p "$POLICIES/allow_all.yaml" -- "$T/musl_resolve" example.test
    assert_held
    assert_contains "$T/out" '^ok musl-resolve: example.test is 10\.1\.2\.3$'
    assert_contains "$T/dnsd.log" '^qtype 28$'
  else
    note "musl-gcc is missing (Debian: musl-tools): musl's resolver under dns is not tried"
  fi
  kill "$dnsd"
  wait "$dnsd" 2>/dev/null
else
  note "python3 is missing: glibc's getaddrinfo under dns is not tried"
fi

# "stdio dns sendfd" grants sendmmsg by name: the program's call runs whole, never rewritten.
hx -v -p "$POLICIES/allow_all.yaml" -- "$A/dns_addr" sendfd 1
assert_held
assert_ok mmsg-whole
assert_not_contains "$T/err" 'runs as sendmsg'

# stdio inet: sockets anywhere, but still no descriptors in messages.
hx -v -p "$POLICIES/allow_all.yaml" -- "$A/dns_addr" inet 1
assert_held
assert_ok sendmsg-rights recvmsg rights-arrived
assert_logged "deny pid=[0-9]+ (tid=[0-9]+ )?comm=dns_addr sendmsg\\(.* = -1 EPERM rule=pledge.*sendmsg needs sendfd"
exit 0
