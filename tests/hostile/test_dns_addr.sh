#!/usr/bin/env bash
# Issue 20, item 3: pledge "dns" reaches only the nameservers of /etc/resolv.conf, on port 53,
# and passes no descriptors. The test runs in a mount and network namespace of its own: a
# resolv.conf naming 127.0.0.77 is mounted over /etc/resolv.conf (xpledge reads it when it
# starts), and the loopback device carries the listeners on 127.0.0.77:53 (the nameserver) and
# 127.0.0.78:53 (elsewhere). A thread flips the address a loop connects and sends to, and the
# control message of a sendmsg: the supervisor pins what it judged (engine/addr_pinning.cpp), so
# nothing reaches 127.0.0.78 and no descriptor arrives; natively, both happen.
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

hx -v -p "$POLICIES/allow_all.yaml" -- "$A/dns_addr" dns "$SECONDS_RUN"
note "$(grep '^ok race' "$T/out")"
assert_held
assert_ok tcp-ns udp-ns udp-connect-ns sendmsg-ns sendmsg-plain udp-other sendmsg-other \
  tcp-other-80 tcp-ns-port v4mapped-other sendmsg-rights recvmsg race
assert_logged "deny pid=[0-9]+ (tid=[0-9]+ )?comm=dns_addr connect\\(.*127\\.0\\.0\\.1:80\\}.* = -1 EPERM rule=pledge.*connect needs inet"
assert_logged "deny pid=[0-9]+ (tid=[0-9]+ )?comm=dns_addr sendmsg\\(.*SCM_RIGHTS.* = -1 EPERM rule=pledge.*sendmsg needs sendfd"
assert_logged "deny pid=[0-9]+ (tid=[0-9]+ )?comm=dns_addr recvmsg\\(.* = -1 EPERM rule=pledge.*recvmsg needs recvfd"

# stdio inet: sockets anywhere, but still no descriptors in messages.
hx -v -p "$POLICIES/allow_all.yaml" -- "$A/dns_addr" inet 1
assert_held
assert_ok sendmsg-rights recvmsg rights-arrived
assert_logged "deny pid=[0-9]+ (tid=[0-9]+ )?comm=dns_addr sendmsg\\(.* = -1 EPERM rule=pledge.*sendmsg needs sendfd"
exit 0
