#include "sock_addr.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>


#include "numbers.hpp"

namespace xpledge {

namespace {

constexpr std::array<std::uint8_t, 12> kV4MappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

std::uint64_t load_le(std::string_view raw, std::size_t at, std::size_t width) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < width; ++i)
    v |= static_cast<std::uint64_t>(static_cast<unsigned char>(raw[at + i])) << (8 * i);
  return v;
}

void store_le(std::string& raw, std::size_t at, std::size_t width, std::uint64_t v) {
  for (std::size_t i = 0; i < width; ++i) raw[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

std::string range_text(const AddrRange& r) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(r.family, r.bytes.data(), buf, sizeof buf);
  const unsigned full = r.family == AF_INET ? 32 : 128;
  return r.bits == full ? std::string(buf) : std::string(buf) + "/" + std::to_string(r.bits);
}

}  // namespace

std::optional<AddrRange> parse_addr_range(std::string_view text) {
  std::optional<unsigned> bits;
  if (const auto slash = text.find('/'); slash != std::string_view::npos) {
    const auto n = parse_number(std::string(text.substr(slash + 1)));
    if (!n || *n > 128) return std::nullopt;
    bits = static_cast<unsigned>(*n);
    text = text.substr(0, slash);
  }
  if (const auto pct = text.find('%'); pct != std::string_view::npos) text = text.substr(0, pct);
  AddrRange r;
  const std::string s(text);
  if (inet_pton(AF_INET, s.c_str(), r.bytes.data()) == 1) {
    r.family = AF_INET;
    r.bits = bits.value_or(32);
    if (r.bits > 32) return std::nullopt;
  } else if (inet_pton(AF_INET6, s.c_str(), r.bytes.data()) == 1) {
    r.family = AF_INET6;
    r.bits = bits.value_or(128);
    if (std::equal(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), r.bytes.begin())) {
      // Named as the socket reaches it: IPv4.
      if (r.bits < 96) return std::nullopt;
      std::memmove(r.bytes.data(), r.bytes.data() + 12, 4);
      std::fill(r.bytes.begin() + 4, r.bytes.end(), 0);
      r.family = AF_INET;
      r.bits -= 96;
    }
  } else {
    return std::nullopt;
  }
  return r;
}

std::optional<AddrCond> parse_addr_cond(std::string_view text) {
  AddrCond c;
  if (text == "none") {
    c.kind = AddrCond::Kind::none;
    return c;
  }
  std::string_view host = text;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty() && (!rest.starts_with(':') || rest.size() == 1)) return std::nullopt;
    if (!rest.empty()) port = rest.substr(1);
  } else if (const auto colon = text.rfind(':');
             colon != std::string_view::npos && text.find(':') == colon) {
    // One colon: HOST:PORT (an IPv6 address with a port is written in brackets).
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (port.empty()) return std::nullopt;
  }
  if (!port.empty()) {
    const auto n = parse_number(std::string(port));
    if (!n || *n > 65535) return std::nullopt;
    c.port = static_cast<std::uint16_t>(*n);
  }
  if (host == "nameservers") {
    c.kind = AddrCond::Kind::nameservers;
    return c;
  }
  const auto r = parse_addr_range(host);
  if (!r) return std::nullopt;
  c.range = *r;
  return c;
}

std::string describe_addr_cond(const AddrCond& c) {
  if (c.kind == AddrCond::Kind::none) return "none";
  std::string host = c.kind == AddrCond::Kind::nameservers ? "nameservers" : range_text(c.range);
  if (!c.port) return host;
  if (c.kind == AddrCond::Kind::range && c.range.family == AF_INET6) host = "[" + host + "]";
  return host + ":" + std::to_string(*c.port);
}

std::optional<NetAddr> decode_net_addr(std::string_view raw) {
  if (raw.size() < sizeof(sa_family_t)) return std::nullopt;
  NetAddr a;
  a.family = static_cast<int>(load_le(raw, 0, sizeof(sa_family_t)));
  // The lengths the kernel insists on (inet_stream_connect, ip4/ip6_datagram_connect,
  // udp_sendmsg): shorter, it fails the call without reaching anyone.
  if (a.family == AF_INET && raw.size() >= sizeof(sockaddr_in)) {
    sockaddr_in in{};
    std::memcpy(&in, raw.data(), sizeof in);
    std::memcpy(a.bytes.data(), &in.sin_addr, 4);
    a.port = ntohs(in.sin_port);
  } else if (a.family == AF_INET6 && raw.size() >= 24) {  // SIN6_LEN_RFC2133
    sockaddr_in6 in6{};
    std::memcpy(&in6, raw.data(), std::min(raw.size(), sizeof in6));
    std::memcpy(a.bytes.data(), &in6.sin6_addr, 16);
    a.port = ntohs(in6.sin6_port);
    if (std::equal(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), a.bytes.begin())) {
      std::memmove(a.bytes.data(), a.bytes.data() + 12, 4);
      std::fill(a.bytes.begin() + 4, a.bytes.end(), 0);
      a.family = AF_INET;
    }
  } else if (a.family == AF_INET || a.family == AF_INET6) {
    return std::nullopt;
  }
  return a;
}

bool range_holds(const AddrRange& r, const NetAddr& a) {
  if (r.family != a.family) return false;
  const unsigned whole = r.bits / 8, rest = r.bits % 8;
  if (!std::equal(r.bytes.begin(), r.bytes.begin() + whole, a.bytes.begin())) return false;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff00u >> rest);
  return (r.bytes[whole] & mask) == (a.bytes[whole] & mask);
}

bool addr_cond_holds(const AddrCond& c, const AddrArg& a) {
  if (a.err) return false;
  if (c.kind == AddrCond::Kind::none) return !a.addr;
  if (!a.addr || (c.port && *c.port != a.addr->port)) return false;
  if (c.kind == AddrCond::Kind::range) return range_holds(c.range, *a.addr);
  return std::any_of(a.nameservers.begin(), a.nameservers.end(),
                     [&](const AddrRange& r) { return range_holds(r, *a.addr); });
}

std::vector<AddrRange> nameservers_of_resolv_conf(std::string_view text) {
  constexpr std::size_t kMaxNs = 3;  // glibc's MAXNS, musl's MAXNS: later lines are ignored
  std::vector<AddrRange> out;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    constexpr std::string_view kKey = "nameserver";
    if (!line.starts_with(kKey) || line.size() == kKey.size() ||
        (line[kKey.size()] != ' ' && line[kKey.size()] != '\t'))
      continue;
    line.remove_prefix(kKey.size());
    const auto start = line.find_first_not_of(" \t");
    if (start == std::string_view::npos) continue;
    line.remove_prefix(start);
    line = line.substr(0, line.find_first_of(" \t\r#;"));
    if (line.find('/') != std::string_view::npos) continue;  // an address, never a network
    if (const auto r = parse_addr_range(line); r && out.size() < kMaxNs) out.push_back(*r);
  }
  if (out.empty()) out.push_back(*parse_addr_range("127.0.0.1"));
  return out;
}

std::size_t msghdr_size(Abi abi) { return abi == Abi::x86_64 ? 56 : 28; }

namespace {

// Where struct msghdr's fields lie: x86-64's (void *name; socklen_t namelen, padded; iovec
// *iov; size_t iovlen; void *control; size_t controllen; int flags), and struct compat_msghdr's
// seven 32-bit fields (i386, x32).
struct MsgLayout {
  std::array<std::size_t, 6> at;  // name, namelen, iov, iovlen, control, controllen
  std::array<std::size_t, 6> width;
};
constexpr MsgLayout kNative{{0, 8, 16, 24, 32, 40}, {8, 4, 8, 8, 8, 8}};
constexpr MsgLayout kCompat{{0, 4, 8, 12, 16, 20}, {4, 4, 4, 4, 4, 4}};
const MsgLayout& layout_of(Abi abi) { return abi == Abi::x86_64 ? kNative : kCompat; }

}  // namespace

std::optional<MsgHdr> decode_msghdr(Abi abi, std::string_view raw) {
  if (raw.size() < msghdr_size(abi)) return std::nullopt;
  const MsgLayout& l = layout_of(abi);
  std::array<std::uint64_t, 6> v{};
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = load_le(raw, l.at[i], l.width[i]);
  return MsgHdr{v[0], v[1], v[2], v[3], v[4], v[5]};
}

std::string msghdr_pinned(Abi abi, std::string_view raw, std::uint64_t name) {
  std::string out(raw.substr(0, msghdr_size(abi)));
  if (out.size() < msghdr_size(abi)) return {};
  const std::size_t width = layout_of(abi).width[0];
  if (load_le(out, 0, width) != 0) store_le(out, 0, width, name);
  return out;
}

std::size_t mmsg_len_offset(Abi abi) { return abi == Abi::x86_64 ? 56 : 28; }

std::optional<MmsgAsMsg> sendmmsg_as_sendmsg(const Syscall& call, std::int64_t sendmsg_nr) {
  // vlen and flags are unsigned int: the kernel takes the low halves.
  if ((call.args[2] & 0xffffffffULL) == 0 || sendmsg_nr < 0) return std::nullopt;
  const std::uint64_t vec = call.abi == Abi::i386 ? call.args[1] & 0xffffffffULL : call.args[1];
  MmsgAsMsg m;
  m.sendmsg = Syscall{call.abi, sendmsg_nr, {call.args[0], vec, call.args[3] & 0xffffffffULL, 0, 0, 0}};
  m.len_at = vec + mmsg_len_offset(call.abi);
  return m;
}

MmsgResult sendmmsg_result(std::int64_t sendmsg_rval) {
  if (sendmsg_rval < 0) return {sendmsg_rval, std::nullopt};
  return {1, static_cast<std::uint32_t>(sendmsg_rval)};
}

bool maps_writable(std::string_view maps, std::uint64_t addr, std::uint64_t len) {
  if (len == 0 || addr > UINT64_MAX - len) return false;
  std::uint64_t at = addr;
  const std::uint64_t end = addr + len;
  while (!maps.empty() && at < end) {
    const auto eol = maps.find('\n');
    const std::string_view line = maps.substr(0, eol);
    maps = eol == std::string_view::npos ? std::string_view{} : maps.substr(eol + 1);
    // "lo-hi rwxp offset dev inode path": addresses in hex, perms after one space.
    const auto dash = line.find('-'), space = line.find(' ');
    if (dash == std::string_view::npos || space == std::string_view::npos || space < dash ||
        line.size() < space + 3)
      return false;
    const auto lo = parse_number("0x" + std::string(line.substr(0, dash)));
    const auto hi = parse_number("0x" + std::string(line.substr(dash + 1, space - dash - 1)));
    if (!lo || !hi) return false;
    if (*hi <= at) continue;
    if (*lo > at || line[space + 2] != 'w') return false;  // a hole, or read-only, at `at`
    at = *hi;
  }
  return at >= end;
}

}  // namespace xpledge
