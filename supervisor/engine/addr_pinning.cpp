// Address pinning: a connect, bind, sendto or sendmsg judged by its socket address (a promise
// entry with `addr:`, dns) runs on the bytes that were judged. The kernel reads the sockaddr,
// and sendmsg's struct msghdr, after the check; another thread could rewrite them in between
// (a resolver's address checked, another one reached). They are copied into the thread's
// read-only scratch slot and the call's pointer is pointed there, as paths are (pinning.cpp).
#include <fmt/format.h>

#include <cerrno>
#include <cstdint>

#include "effects.hpp"
#include "engine.hpp"
#include "regs.hpp"
#include "sock_addr.hpp"
#include "syscalls.hpp"
#include "tracee_mem.hpp"

namespace xpledge::engine {

namespace {

// The kernel copies at most a struct sockaddr_storage (move_addr_to_kernel).
constexpr std::uint64_t kMaxSockaddr = 128;

struct AddrSpot {
  int ptr_arg = -1;  // the register holding the sockaddr (or the msghdr, for sendmsg)
  int len_arg = -1;
  bool msghdr = false;
};

AddrSpot spot_of(const Syscall& call) {
  static const CallNumbers kConnect("connect"), kBind("bind"), kSendto("sendto"),
      kSendmsg("sendmsg");
  if (kConnect.is(call) || kBind.is(call)) return {1, 2, false};
  if (kSendto.is(call)) return {4, 5, false};
  if (kSendmsg.is(call)) return {1, -1, true};
  return {};
}

// A user pointer: the whole register on x86-64 and x32, the low half on i386.
std::uint64_t user_ptr(const Syscall& call, int arg) {
  const std::uint64_t v = call.args[static_cast<std::size_t>(arg)];
  return call.abi == Abi::i386 ? v & 0xffffffffULL : v;
}

}  // namespace

// What the call names, read once: nullopt for a call that names no socket address.
std::optional<AddrArg> Tracer::read_call_addr(pid_t tid, const Syscall& call) const {
  const AddrSpot spot = spot_of(call);
  if (spot.ptr_arg < 0) return std::nullopt;
  AddrArg a;
  a.nameservers = opts_.policy->impl().nameservers;
  std::uint64_t ptr = user_ptr(call, spot.ptr_arg);
  std::int64_t len = 0;
  if (spot.msghdr) {
    a.msghdr.assign(msghdr_size(call.abi), '\0');
    if (!read_bytes(tid, ptr, a.msghdr.data(), a.msghdr.size())) {
      a.err = EFAULT;
      return a;
    }
    const auto m = decode_msghdr(call.abi, a.msghdr);
    a.control_len = m->controllen;
    ptr = m->name;
    len = static_cast<std::int32_t>(m->namelen);
    // __copy_msghdr: no name, or a zero length, is no address; a longer one is cut to 128.
    if (ptr == 0 || len == 0) return a;
    if (len > static_cast<std::int64_t>(kMaxSockaddr)) len = kMaxSockaddr;
  } else {
    len = static_cast<std::int32_t>(call.args[static_cast<std::size_t>(spot.len_arg)]);
    if (ptr == 0 && spot.ptr_arg == 4) return a;  // sendto on a connected socket
  }
  if (len < 0 || len > static_cast<std::int64_t>(kMaxSockaddr)) {
    a.err = EINVAL;  // the kernel's own answer; nothing it would read
    return a;
  }
  a.raw.assign(static_cast<std::size_t>(len), '\0');
  if (len > 0 && !read_bytes(tid, ptr, a.raw.data(), a.raw.size())) {
    a.err = EFAULT;
    return a;
  }
  a.addr = decode_net_addr(a.raw);
  if (!a.addr) a.err = EINVAL;  // too short for its family: the kernel refuses it too
  return a;
}

// The call runs on the bytes judged: the sockaddr in slot 0 and, for sendmsg, the header in
// slot 1 pointing at it. nullopt: done, enforce the verdict. Otherwise how the stop ends.
std::optional<Restart> Tracer::pin_addr(ThreadState& t, const StopFacts& f) {
  const AddrArg& a = *f.addr;
  const SyscallStopInfo& info = f.info;
  // Unreadable: whatever allowed the call did not look at the address; the kernel answers.
  if (a.err) return std::nullopt;
  static const RuleRef kScratchRule{"guard:addr-scratch", 0, {}};
  const auto refuse = [&](int err, const std::string& why) -> std::optional<Restart> {
    opts_.log->error(fmt::format("pid {}: {}; refusing the call", t.tid, why));
    return enforce(t, f, Outcome{Verdict{Action::deny, err, &kScratchRule}});
  };
  // i386 calls come through int $0x80, where the injected shmat cannot be issued: a call
  // judged by its address that cannot be pinned does not run (docs/SECURITY.md).
  if (!scratch_.ready() || info.call.abi == Abi::i386)
    return refuse(EPERM, "a call judged by its socket address cannot be pinned here (i386 or "
                         "no scratch area)");
  std::string why;
  switch (attach_scratch(t, why)) {
    case Area::ready: break;
    case Area::attaching: return kResume;
    case Area::unavailable: return refuse(EAGAIN, why);
  }
  const AddrSpot spot = spot_of(info.call);
  ThreadState::PinnedCall pinned{info.call, {}, {}, {}, {}, {}};
  std::uint64_t name_at = 0;
  if (a.addr) {
    const auto at = scratch_.pin_bytes(t.tid, 0, a.raw);
    if (!at) return refuse(EAGAIN, "no scratch slot free for a socket address");
    name_at = *at;
    pinned.struct0 = a.raw;
  }
  std::uint64_t ptr_value = name_at;
  if (spot.msghdr) {
    const std::string hdr = msghdr_pinned(info.call.abi, a.msghdr, name_at);
    const auto at = hdr.empty() ? std::nullopt : scratch_.pin_bytes(t.tid, 1, hdr);
    if (!at) return refuse(EAGAIN, "cannot pin sendmsg's struct msghdr");
    ptr_value = *at;
    pinned.struct1 = hdr;
  } else if (!a.addr) {
    return std::nullopt;  // sendto with no address: nothing in memory decides
  }
  if (!repoint_arg(t, info.call, spot.ptr_arg, ptr_value))
    return refuse(EAGAIN, "cannot point the call at its pinned socket address");
  pinned.call.args[static_cast<std::size_t>(spot.ptr_arg)] = ptr_value;
  t.last_pinned = std::move(pinned);
  return std::nullopt;
}

}  // namespace xpledge::engine
