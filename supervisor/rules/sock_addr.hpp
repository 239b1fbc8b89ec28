#pragma once
// Socket addresses as rules see them, PURE: the sockaddr a connect, sendto or sendmsg names
// (decoded from the bytes the tracer read), the address conditions of promise entries
// (`addr: [nameservers:53]`), the nameservers of a resolv.conf text, and struct msghdr's layout
// per ABI (sendmsg's address and control message are in memory, behind one pointer), and
// sendmmsg run as a sendmsg of its first message (the plan and the result the program sees).
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "abi.hpp"

namespace xpledge {

// An IPv4 or IPv6 network: family (AF_INET, AF_INET6), address bytes (4 or 16 used), prefix
// length in bits (32 or 128 for one address).
struct AddrRange {
  int family = 0;
  std::array<std::uint8_t, 16> bytes{};
  unsigned bits = 0;
  bool operator==(const AddrRange&) const = default;
};

// A sockaddr as the kernel reads it for an inet socket: an IPv4-mapped IPv6 address
// (::ffff:a.b.c.d) reaches IPv4 a.b.c.d from an AF_INET6 socket, so it is decoded as AF_INET.
// Other families keep their number and no address.
struct NetAddr {
  int family = 0;
  std::array<std::uint8_t, 16> bytes{};
  std::uint16_t port = 0;  // host order
};

// What the tracer read of a call's address (CallContext::addr), and what it pins if the call
// runs (engine/addr_pinning.cpp).
struct AddrArg {
  int err = 0;                  // unreadable (EFAULT) or malformed: rules with addr: then deny
  std::optional<NetAddr> addr; // nullopt: the call names no address (sendto/sendmsg NULL)
  std::string raw;              // the sockaddr bytes read (up to the call's length, 128 max)
  std::string msghdr;           // sendmsg: the struct msghdr bytes read
  std::uint64_t control_len = 0;  // sendmsg: msg_controllen (SCM_RIGHTS travels there)
  std::span<const AddrRange> nameservers;  // `nameservers` in a condition: the bound ones
};

// One entry of an `addr:` condition: a range (any port, or one), the run's nameservers
// (resolv.conf, bound at start-up, rule_binding.hpp), or `none`: the call names no address.
struct AddrCond {
  enum class Kind : std::uint8_t { range, nameservers, none };
  Kind kind = Kind::range;
  AddrRange range;
  std::optional<std::uint16_t> port;
  bool operator==(const AddrCond&) const = default;
};

// "1.2.3.4", "10.0.0.0/8", "::1", "fe80::/10"; an IPv6 scope ("%eth0") is ignored.
std::optional<AddrRange> parse_addr_range(std::string_view text);
// "none", "nameservers:53", "127.0.0.1:53", "[::1]:53", "10.0.0.0/8" (any port).
std::optional<AddrCond> parse_addr_cond(std::string_view text);
std::string describe_addr_cond(const AddrCond& c);

std::optional<NetAddr> decode_net_addr(std::string_view raw);
bool range_holds(const AddrRange& r, const NetAddr& a);
bool addr_cond_holds(const AddrCond& c, const AddrArg& a);

// The nameservers of a resolv.conf text, as glibc and musl take them: `nameserver` lines, the
// first three (MAXNS); none listed: the resolver on this machine, 127.0.0.1.
std::vector<AddrRange> nameservers_of_resolv_conf(std::string_view text);

// struct msghdr on `abi` (x86-64: 56 bytes; i386 and x32 share the 28-byte compat layout).
struct MsgHdr {
  std::uint64_t name = 0, namelen = 0, iov = 0, iovlen = 0, control = 0, controllen = 0;
};
std::size_t msghdr_size(Abi abi);
std::optional<MsgHdr> decode_msghdr(Abi abi, std::string_view raw);
// The header bytes with msg_name at `name` (0 stays 0), the rest as read: what a pinned
// sendmsg passes to the kernel, which copies the header once.
std::string msghdr_pinned(Abi abi, std::string_view raw, std::uint64_t name);

// sendmmsg(fd, vec, vlen, flags) judged and run as sendmsg(fd, &vec[0].msg_hdr, flags): the
// header of message 0 is at the start of the vector, so the sendmsg names the same memory, and
// what dns allows of a sendmsg (the address read and pinned, no control message) is what runs.
// The kernel writes each message's byte count into the vector's msg_len, which therefore
// cannot be pinned read-only; one message sent is a short sendmmsg, which callers handle (glibc
// res_send: `just_one`, the second query by send()).
struct MmsgAsMsg {
  Syscall sendmsg;          // what runs (the ABI's own sendmsg number)
  std::uint64_t len_at = 0;  // &vec[0].msg_len, where the byte count goes at the exit stop
};
// nullopt: vlen 0 (the kernel sends nothing and returns 0; not worth a rewrite), or no sendmsg
// number. `sendmsg_nr`: that ABI's sendmsg.
std::optional<MmsgAsMsg> sendmmsg_as_sendmsg(const Syscall& call, std::int64_t sendmsg_nr);
// struct mmsghdr: a struct msghdr then unsigned int msg_len (x86-64: 64 bytes, msg_len at 56;
// i386 and x32: compat_mmsghdr, 32 bytes, msg_len at 28).
std::size_t mmsg_len_offset(Abi abi);
// What the program's sendmmsg returns for the sendmsg's result: n >= 0 bytes sent is one message
// sent (return 1, vec[0].msg_len = n); an error is sendmmsg's error (nothing was sent).
struct MmsgResult {
  std::int64_t ret = 0;
  std::optional<std::uint32_t> msg_len;
};
MmsgResult sendmmsg_result(std::int64_t sendmsg_rval);
// Whether [addr, addr + len) lies in mappings that the text of /proc/PID/maps marks writable:
// the kernel's put_user of msg_len would fail elsewhere (EFAULT), and a write through
// /proc/PID/mem (which ignores protections on private mappings) must not succeed where it
// would not.
bool maps_writable(std::string_view maps, std::uint64_t addr, std::uint64_t len);

}  // namespace xpledge
