// Address pinning: a connect, bind, sendto or sendmsg judged by its socket address (a promise
// entry with `addr:`, dns) runs on the bytes that were judged. The kernel reads the sockaddr,
// and sendmsg's struct msghdr, after the check; another thread could rewrite them in between
// (a resolver's address checked, another one reached). They are copied into the thread's
// read-only scratch slot and the call's pointer is pointed there, as paths are (pinning.cpp).
// A sendmmsg that dns would refuse runs as a sendmsg of its first message, pinned the same way.
#include <fmt/format.h>

#include <cerrno>
#include <cstdint>

#include "effects.hpp"
#include "proc_facts.hpp"
#include "scratch_layout.hpp"
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

// glibc's resolver sends its A and AAAA queries with one sendmmsg on a connected UDP socket,
// which dns does not grant: the kernel writes each message's length back into the vector, so it
// cannot be pinned read-only. Where a rule judges sendmsg by its address (dns) and sendmmsg was
// refused by the policy's default or by pledge (not by a rule naming it: that stands), the call
// is judged as sendmsg(fd, &vec[0].msg_hdr, flags); allowed so, it runs so, on the pinned header
// (pin_addr), and returns 1: a short sendmmsg, after which glibc send()s the second query.
// nullopt: it stays refused. Observers are told of the program's sendmmsg, never of a sendmsg
// it did not make.
std::optional<StopFacts> Tracer::judge_mmsg_as_msg(ThreadState& t, const StopFacts& f,
                                                   Judged& j) {
  static const CallNumbers kSendmmsg("sendmmsg"), kSendmsg("sendmsg");
  const Syscall& call = f.call();
  const Verdict& v = j.outcome.verdict;
  // i386 (int $0x80) cannot be pinned (pin_addr): its sendmmsg keeps its refusal, logged.
  // Without the pre-filter the program's own seccomp filters run after our entry stop, on the
  // sendmsg: one refusing sendmmsg would never see it. With it, they judged the sendmmsg before
  // this stop (an errno of theirs outranks our trace) and judge the sendmsg again after.
  if (runs(v) || j.guarded || !kSendmmsg.is(call) || call.abi == Abi::i386 || !scratch_.ready() ||
      (!opts_.use_seccomp && t.proc->own_filters) || !v.rule ||
      (v.rule->list != "default" && v.rule->list != "pledge"))
    return std::nullopt;
  const auto nr = kSendmsg.on(call.abi);
  const auto plan = nr ? sendmmsg_as_sendmsg(call, *nr) : std::nullopt;
  if (!plan) return std::nullopt;
  const auto& pledged = t.proc->pledge.promises;
  if (!opts_.policy->needs_paths(call.abi, *nr) &&
      !(pledged && catalogue().needs_paths(*pledged, call.abi, *nr)))
    return std::nullopt;  // sendmsg is not judged by its address here: nothing of dns's
  SyscallStopInfo info = f.info;
  info.call = plan->sendmsg;
  StopFacts g(info, f.seccomp_stop);
  Judged k = judge_call(t, g);
  if (!runs(k.outcome.verdict) || k.guarded || !g.addr || g.addr->err) return std::nullopt;
  j.outcome = k.outcome;
  return g;
}

Restart Tracer::run_mmsg_as_msg(ThreadState& t, const StopFacts& f, const StopFacts& as_msg,
                                const Outcome& o) {
  // Attaching the scratch area restarts the program's sendmmsg, judged afresh; a refusal here
  // is pin_addr's, logged as the sendmsg it judged.
  if (const auto r = pin_addr(t, as_msg)) return *r;
  const Syscall& program = f.call();
  // sendmsg's flags are its third argument, where sendmmsg has vlen. repoint_arg keeps the
  // program's registers (as_msg's call: the number the kernel runs is sendmsg's), put back at
  // the exit stop before finish_mmsg_as_msg, or at once by a refusal (enforce).
  if (!repoint_arg(t, as_msg.call(), 2, as_msg.call().args[2]) ||
      !effects::set_nr(t.tid, as_msg.call().nr)) {
    // The vector register already names the pinned header: never run sendmmsg on it.
    static const RuleRef kMmsgRule{"guard:mmsg-as-msg", 0, {}};
    return enforce(t, f, Outcome{Verdict{Action::deny, EAGAIN, &kMmsgRule}});
  }
  t.exit_phase = phase::MmsgAsMsg{program, program.args[1] + mmsg_len_offset(program.abi)};
  if (opts_.log->verbosity() > 0)
    opts_.log->info(fmt::format("pid {}: sendmmsg(fd {}, vlen {}) runs as sendmsg of its first "
                                "message, judged and pinned as that sendmsg: a short send of 1",
                                t.tid, static_cast<int>(program.args[0]),
                                program.args[2] & 0xffffffffULL));
  return enforce(t, f, o);
}

// The exit of a sendmmsg run as sendmsg. Its registers already say sendmmsg again
// (put_back_own_args: a syscall preserves rsi and rdx, and a restart runs what orig_rax says:
// its sendmmsg, judged afresh). A message sent returns 1 with its byte count in vec[0].msg_len,
// as the kernel's put_user would, or EFAULT where that would fail (the message is sent then too,
// as in the kernel).
void Tracer::finish_mmsg_as_msg(ThreadState& t, const SyscallStopInfo& info,
                                const phase::MmsgAsMsg& m) {
  constexpr std::int64_t kRestartSys = -512, kRestartBlock = -516;
  if (info.rval <= kRestartSys && info.rval >= kRestartBlock) return;
  const MmsgResult r = sendmmsg_result(info.rval);
  std::int64_t ret = r.ret;
  if (r.msg_len) {
    const std::uint32_t len = *r.msg_len;
    // Never into the scratch area (other threads' pinned bytes), never where the program could
    // not write: /proc/PID/mem would write through a read-only private mapping.
    const bool writable =
        !ScratchLayout::overlaps(m.len_at, sizeof len) &&
        maps_writable(read_small_file(fmt::format("/proc/{}/maps", t.tid), 1U << 22), m.len_at,
                      sizeof len);
    if (!writable || !effects::write_result(t.tid, m.len_at, &len, sizeof len)) ret = -EFAULT;
  }
  effects::set_return(t.tid, ret);
}

}  // namespace xpledge::engine
