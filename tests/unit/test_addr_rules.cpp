// Socket address conditions (rules/sock_addr): parsing, sockaddr decoding as the kernel reads
// it, resolv.conf's nameservers, msghdr layouts, and the dns promise judged by address. Pure.
#include <doctest/doctest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <utility>
#include <string>

#include "promises.hpp"
#include "sock_addr.hpp"
#include "syscalls.hpp"

using namespace xpledge;

namespace {

std::string sin(const char* ip, std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return std::string(reinterpret_cast<const char*>(&a), sizeof a);
}

std::string sin6(const char* ip, std::uint16_t port) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(port);
  inet_pton(AF_INET6, ip, &a.sin6_addr);
  return std::string(reinterpret_cast<const char*>(&a), sizeof a);
}

const std::vector<AddrRange>& servers() {
  static const auto s = nameservers_of_resolv_conf("nameserver 10.0.0.53\nnameserver ::1\n");
  return s;
}

AddrArg named(const std::string& raw) {
  AddrArg a;
  a.raw = raw;
  a.addr = decode_net_addr(raw);
  if (!a.addr) a.err = EINVAL;
  a.nameservers = servers();
  return a;
}

bool holds(const char* cond, const AddrArg& a) {
  const auto c = parse_addr_cond(cond);
  REQUIRE_MESSAGE(c.has_value(), cond);
  return addr_cond_holds(*c, a);
}

Syscall call(std::string_view name, std::array<std::uint64_t, 6> args = {}) {
  const auto nr = syscall_nr(Abi::x86_64, name);
  REQUIRE(nr.has_value());
  return Syscall{Abi::x86_64, *nr, args};
}

PromiseCheck check(std::string_view promises, const Syscall& c, const AddrArg* a) {
  std::string bad;
  const auto set = PromiseCatalogue::builtin().parse(promises, &bad);
  REQUIRE(set.has_value());
  CallContext ctx{c, {}};
  ctx.addr = a;
  return PromiseCatalogue::builtin().check(*set, ctx, 1);
}

}  // namespace

TEST_CASE("addr conditions: parsing and describing") {
  for (const char* ok : {"none", "nameservers", "nameservers:53", "127.0.0.1:53", "10.0.0.0/8",
                         "[::1]:53", "::1", "fe80::/10", "[2001:db8::/32]:443"}) {
    const auto c = parse_addr_cond(ok);
    REQUIRE_MESSAGE(c.has_value(), ok);
    CHECK(parse_addr_cond(describe_addr_cond(*c)).has_value());
  }
  for (const char* bad : {"", "nameserver:53", "1.2.3.4:", "1.2.3.4:70000", "1.2.3.4/33",
                          "[::1", "[::1]53", "::1:53:x", "localhost:53", "1.2.3.4:53:1"})
    CHECK_FALSE_MESSAGE(parse_addr_cond(bad).has_value(), bad);
  CHECK(describe_addr_cond(*parse_addr_cond("[::1]:53")) == "[::1]:53");
  CHECK(describe_addr_cond(*parse_addr_cond("10.0.0.0/8")) == "10.0.0.0/8");
  // An IPv4-mapped IPv6 address is the IPv4 address it reaches.
  CHECK(*parse_addr_range("::ffff:10.1.2.3") == *parse_addr_range("10.1.2.3"));
}

TEST_CASE("sockaddrs as the kernel reads them") {
  CHECK(holds("127.0.0.1:53", named(sin("127.0.0.1", 53))));
  CHECK_FALSE(holds("127.0.0.1:53", named(sin("127.0.0.1", 80))));
  CHECK(holds("127.0.0.0/8", named(sin("127.9.9.9", 80))));
  CHECK_FALSE(holds("127.0.0.0/9", named(sin("127.200.0.1", 80))));
  CHECK(holds("[::1]:53", named(sin6("::1", 53))));
  // From an AF_INET6 socket, ::ffff:127.0.0.1 connects to 127.0.0.1: judged so.
  CHECK(holds("127.0.0.1:80", named(sin6("::ffff:127.0.0.1", 80))));
  CHECK_FALSE(holds("[::ffff:0:0/96]:53", named(sin6("::1", 53))));
  // Too short for its family: the kernel fails it; never an address that holds.
  CHECK(named(sin("10.0.0.53", 53).substr(0, 8)).err == EINVAL);
  CHECK(named(sin6("::1", 53).substr(0, 20)).err == EINVAL);
  AddrArg unix_addr = named(std::string("\x01\x00/tmp/x", 8));
  CHECK_FALSE(holds("0.0.0.0/0", unix_addr));
  AddrArg none;
  CHECK(holds("none", none));
  CHECK_FALSE(holds("0.0.0.0/0", none));
}

TEST_CASE("resolv.conf: nameserver lines, three at most, 127.0.0.1 when none") {
  const auto ns = nameservers_of_resolv_conf(
      "# comment\nsearch example.org\nnameserver 127.0.0.53\nnameserver\tfe80::1%eth0 # x\n"
      "nameserverx 1.1.1.1\n nameserver 2.2.2.2\nnameserver bogus\nnameserver 10.0.0.0/8\n"
      "nameserver 9.9.9.9\nnameserver 8.8.8.8\n");
  REQUIRE(ns.size() == 3);
  CHECK(ns[0] == *parse_addr_range("127.0.0.53"));
  CHECK(ns[1] == *parse_addr_range("fe80::1"));
  CHECK(ns[2] == *parse_addr_range("9.9.9.9"));
  const auto none = nameservers_of_resolv_conf("search example.org\n");
  REQUIRE(none.size() == 1);
  CHECK(none[0] == *parse_addr_range("127.0.0.1"));
}

TEST_CASE("msghdr: both layouts, the name pointer replaced") {
  msghdr m{};
  m.msg_name = reinterpret_cast<void*>(0x1111);
  m.msg_namelen = 16;
  m.msg_controllen = 24;
  const std::string raw(reinterpret_cast<const char*>(&m), sizeof m);
  const auto d = decode_msghdr(Abi::x86_64, raw);
  REQUIRE(d.has_value());
  CHECK(d->name == 0x1111);
  CHECK(d->namelen == 16);
  CHECK(d->controllen == 24);
  const auto p = decode_msghdr(Abi::x86_64, msghdr_pinned(Abi::x86_64, raw, 0x7d000000));
  CHECK(p->name == 0x7d000000);
  CHECK(p->controllen == 24);
  const std::uint32_t compat[7] = {0x2222, 28, 0x3333, 1, 0, 0, 0};
  const std::string craw(reinterpret_cast<const char*>(compat), sizeof compat);
  CHECK(decode_msghdr(Abi::x32, craw)->namelen == 28);
  CHECK(decode_msghdr(Abi::x32, craw.substr(0, 20)) == std::nullopt);
  CHECK(decode_msghdr(Abi::x32, msghdr_pinned(Abi::x32, craw, 0x7d001000))->name == 0x7d001000);
  // No name stays no name.
  msghdr none{};
  const std::string nraw(reinterpret_cast<const char*>(&none), sizeof none);
  CHECK(decode_msghdr(Abi::x86_64, msghdr_pinned(Abi::x86_64, nraw, 0x7d000000))->name == 0);
}

TEST_CASE("dns: only the nameservers on port 53; descriptors need sendfd/recvfd") {
  const AddrArg ns = named(sin("10.0.0.53", 53)), ns6 = named(sin6("::1", 53));
  const AddrArg other = named(sin("127.0.0.1", 80)), ns_port = named(sin("10.0.0.53", 80));
  CHECK(check("stdio dns", call("connect", {3, 0x1000, 16}), &ns).allowed);
  CHECK(check("stdio dns", call("connect", {3, 0x1000, 28}), &ns6).allowed);
  CHECK(check("stdio dns", call("connect", {3, 0x1000, 16}), &other).needed == "inet");
  CHECK_FALSE(check("stdio dns", call("connect", {3, 0x1000, 16}), &ns_port).allowed);
  // Not read (a tracer that did not look): never allowed by an address condition.
  CHECK_FALSE(check("stdio dns", call("connect", {3, 0x1000, 16}), nullptr).allowed);
  AddrArg unreadable;
  unreadable.err = EFAULT;
  CHECK_FALSE(check("stdio dns", call("connect", {3, 0x1000, 16}), &unreadable).allowed);
  CHECK(check("stdio dns", call("sendto", {3, 0x2000, 10, 0, 0x1000, 16}), &ns).allowed);
  CHECK_FALSE(check("stdio dns", call("sendto", {3, 0x2000, 10, 0, 0x1000, 16}), &other).allowed);
  CHECK(check("stdio dns", call("sendto", {3, 0x2000, 10, 0, 0, 0}), nullptr).allowed);  // stdio
  // sendmsg: no address or a nameserver, never a control message (SCM_RIGHTS is sendfd's).
  AddrArg msg = ns;
  CHECK(check("stdio dns", call("sendmsg", {3, 0x1000, 0}), &msg).allowed);
  AddrArg connected;
  CHECK(check("stdio dns", call("sendmsg", {3, 0x1000, 0}), &connected).allowed);
  connected.control_len = 24;
  CHECK(check("stdio dns", call("sendmsg", {3, 0x1000, 0}), &connected).needed == "sendfd");
  CHECK(check("stdio dns sendfd", call("sendmsg", {3, 0x1000, 0}), &connected).allowed);
  CHECK(check("stdio dns", call("sendmsg", {3, 0x1000, 0}), &other).needed == "sendfd");
  CHECK(check("stdio inet", call("sendmsg", {3, 0x1000, 0}), &connected).needed == "sendfd");
  // recvmsg may receive descriptors: recvfd, whatever else is pledged; bind is inet's.
  CHECK(check("stdio dns", call("recvmsg", {3, 0x1000, 0}), nullptr).needed == "recvfd");
  CHECK(check("stdio dns", call("bind", {3, 0x1000, 16}), &ns).needed == "inet");
  // musl binds the unspecified address, port 0 (what its first send would pick): only that.
  const AddrArg any4 = named(sin("0.0.0.0", 0)), any6 = named(sin6("::", 0));
  CHECK(check("stdio dns", call("bind", {3, 0x1000, 16}), &any4).allowed);
  CHECK(check("stdio dns", call("bind", {3, 0x1000, 28}), &any6).allowed);
  const AddrArg any_53 = named(sin("0.0.0.0", 53)), lo_0 = named(sin("127.0.0.1", 0));
  CHECK(check("stdio dns", call("bind", {3, 0x1000, 16}), &any_53).needed == "inet");
  CHECK(check("stdio dns", call("bind", {3, 0x1000, 16}), &lo_0).needed == "inet");
  CHECK_FALSE(check("stdio dns", call("bind", {3, 0x1000, 16}), nullptr).allowed);
  // Unbound (no resolv.conf read): `nameservers` is no address at all.
  AddrArg unbound = ns;
  unbound.nameservers = {};
  CHECK_FALSE(check("stdio dns", call("connect", {3, 0x1000, 16}), &unbound).allowed);
}

TEST_CASE("the catalogue loader: addr and control limits") {
  const auto load = [](const std::string& entry) {
    return PromiseCatalogue::from_yaml("promises:\n  - name: x\n    help: h\n    syscalls:\n      - " +
                                       entry + "\n");
  };
  CHECK_NOTHROW(load("{ syscall: connect, addr: [nameservers:53, \"[::1]:53\"] }"));
  CHECK_NOTHROW(load("{ syscall: sendmsg, addr: [none], control: none }"));
  CHECK_THROWS_WITH(load("{ syscall: open, addr: [none] }"),
                    doctest::Contains("'addr' limits only bind, connect, sendmsg and sendto"));
  CHECK_THROWS_WITH(load("{ syscall: connect, addr: [none] }"),
                    doctest::Contains("'none' (no address) fits only sendto and sendmsg"));
  CHECK_THROWS_WITH(load("{ syscall: connect, addr: [localhost:53] }"),
                    doctest::Contains("promises.yaml:5:36: expected none, nameservers"));
  CHECK_THROWS_WITH(load("{ syscall: sendto, control: none }"),
                    doctest::Contains("'control' limits only sendmsg"));
}

TEST_CASE("inet: socket options, but no multicast (OpenBSD's mcast, not offered)") {
  const auto setsockopt = [](int level, int name) {
    return call("setsockopt", {3, static_cast<std::uint64_t>(level),
                               static_cast<std::uint64_t>(name), 0x1000, 4, 0});
  };
  const std::pair<int, int> allowed_opts[] = {
      {SOL_SOCKET, SO_REUSEADDR}, {IPPROTO_TCP, 1 /* TCP_NODELAY */}, {IPPROTO_IP, IP_TOS},
      {IPPROTO_IP, IP_RECVERR}, {IPPROTO_IP, 51 /* IP_LOCAL_PORT_RANGE */},
      {IPPROTO_IPV6, IPV6_V6ONLY}, {IPPROTO_IPV6, IPV6_UNICAST_HOPS}, {IPPROTO_IPV6, IPV6_TCLASS}};
  for (const auto& [level, name] : allowed_opts)
    CHECK_MESSAGE(check("stdio inet", setsockopt(level, name), nullptr).allowed, level, " ", name);
  const std::pair<int, int> multicast[] = {
      {IPPROTO_IP, IP_ADD_MEMBERSHIP}, {IPPROTO_IP, IP_MULTICAST_IF},
      {IPPROTO_IP, MCAST_JOIN_GROUP},  {IPPROTO_IP, IP_MULTICAST_ALL},
      {IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP}, {IPPROTO_IPV6, IPV6_MULTICAST_HOPS},
      {IPPROTO_IPV6, MCAST_JOIN_GROUP}, {IPPROTO_IPV6, IPV6_JOIN_ANYCAST}};
  for (const auto& [level, name] : multicast)
    CHECK_FALSE_MESSAGE(check("stdio inet", setsockopt(level, name), nullptr).allowed, level, " ",
                        name);
  // dns: the resolvers' options only.
  CHECK(check("stdio dns", setsockopt(IPPROTO_IP, IP_RECVERR), nullptr).allowed);
  CHECK(check("stdio dns", setsockopt(IPPROTO_IPV6, IPV6_V6ONLY), nullptr).allowed);
  CHECK(check("stdio dns", setsockopt(IPPROTO_IP, IP_TOS), nullptr).needed == "inet");
  CHECK(check("stdio dns", setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP), nullptr).needed == "");
}

TEST_CASE("sendmmsg run as sendmsg of its first message: the plan and the write-back") {
  const std::int64_t sendmsg_nr = *syscall_nr(Abi::x86_64, "sendmsg");
  const Syscall mm = call("sendmmsg", {3, 0x5000, 2, MSG_NOSIGNAL});
  const auto plan = sendmmsg_as_sendmsg(mm, sendmsg_nr);
  REQUIRE(plan.has_value());
  // Message 0's header is where the vector starts; the flags go through; nothing of vlen.
  CHECK(plan->sendmsg.nr == sendmsg_nr);
  CHECK(plan->sendmsg.args == std::array<std::uint64_t, 6>{3, 0x5000, MSG_NOSIGNAL, 0, 0, 0});
  CHECK(plan->len_at == 0x5000 + offsetof(mmsghdr, msg_len));
  CHECK(mmsg_len_offset(Abi::x86_64) == offsetof(mmsghdr, msg_len));
  CHECK(mmsg_len_offset(Abi::x32) == 28);  // compat_mmsghdr: seven 32-bit fields, then msg_len
  // vlen is an unsigned int: 1 << 32 is 0, nothing to send, no rewrite.
  CHECK_FALSE(sendmmsg_as_sendmsg(call("sendmmsg", {3, 0x5000, 1ULL << 32, 0}), sendmsg_nr));
  CHECK_FALSE(sendmmsg_as_sendmsg(call("sendmmsg", {3, 0x5000, 0, 0}), sendmsg_nr));
  CHECK(sendmmsg_as_sendmsg(call("sendmmsg", {3, 0x5000, (1ULL << 32) | 1, 0}), sendmsg_nr));
  // What the program sees: one message sent and its byte count, or the sendmsg's error.
  CHECK(sendmmsg_result(33).ret == 1);
  CHECK(sendmmsg_result(33).msg_len == 33u);
  CHECK(sendmmsg_result(0).ret == 1);
  CHECK(sendmmsg_result(-EPERM).ret == -EPERM);
  CHECK_FALSE(sendmmsg_result(-EPERM).msg_len);
}

TEST_CASE("maps_writable: the write-back goes only where the program may write") {
  const std::string maps =
      "00400000-00401000 r-xp 00000000 08:01 12 /bin/x\n"
      "00401000-00402000 rw-p 00000000 08:01 12 /bin/x\n"
      "00402000-00403000 rw-p 00000000 00:00 0 [heap]\n"
      "7d000000-7d800000 r--s 00000000 00:01 5 /SYSV00000000 (deleted)\n"
      "7ffd0000-7ffd1000 rw-p 00000000 00:00 0 [stack]\n";
  CHECK(maps_writable(maps, 0x401000, 4));
  CHECK(maps_writable(maps, 0x401ffe, 4));  // across two writable mappings
  CHECK_FALSE(maps_writable(maps, 0x400ffe, 4));  // starts in the read-only text
  CHECK_FALSE(maps_writable(maps, 0x402ffe, 4));  // runs into a hole
  CHECK_FALSE(maps_writable(maps, 0x7d000010, 4));  // the scratch area: read-only
  CHECK_FALSE(maps_writable(maps, 0x10, 4));
  CHECK(maps_writable(maps, 0x7ffd0ffc, 4));
  CHECK_FALSE(maps_writable(maps, 0x7ffd0ffd, 4));
  CHECK_FALSE(maps_writable("", 0x401000, 4));
  CHECK_FALSE(maps_writable(maps, UINT64_MAX - 1, 4));
}
