#include "unix_paths.hpp"

#include <string>
#include <utility>

#include <cerrno>

#include "call_kinds.hpp"
#include "decide.hpp"
#include "engine.hpp"
#include "path_resolve.hpp"
#include "sock_addr.hpp"
#include "unix_path.hpp"
#include "unveil.hpp"

namespace xpledge::engine {

std::optional<PathArg> unix_socket_path_arg(pid_t tid, const Syscall& call, AddrArg& addr) {
  if (addr.err) {
    PathArg unread;
    unread.err = addr.err;
    return unread;
  }
  if (!addr.addr) return std::nullopt;
  const auto name = unix_socket_path(addr.raw);
  if (!name) return std::nullopt;
  static const CallNumbers kBind("bind");
  const UnixPathUse use = unix_path_use(kBind.is(call));
  PathArg p = resolve_named_path(tid, *name, use.access, use.follows_last);
  if (p.err || name->front() == '/') return p;
  const auto absolute = pin_resolved(p, "connect") ? unix_addr_with_path(addr.raw, p.path)
                                                   : std::nullopt;
  if (absolute) addr.raw = *absolute;
  else p.err = ENAMETOOLONG;
  return p;
}


// sendmmsg's messages each carry a msg_name the kernel reads after our check, and the vector
// cannot be pinned read-only (the kernel writes each msg_len back): while unveil hides paths,
// an allowed sendmmsg runs as a sendmsg of its first message, judged (its AF_UNIX path too) and
// pinned as any sendmsg, returning 1 (a short send: glibc's resolver then send()s the second
// query), as dns does with the machinery of addr_pinning.cpp. A call that cannot be run so
// (i386, no scratch area, filters of the program's own without the pre-filter) is refused.
std::optional<StopFacts> Tracer::judge_mmsg_under_unveil(ThreadState& t, StopFacts& f,
                                                         Judged& j) {
  static const CallNumbers kSendmmsg("sendmmsg"), kSendmsg("sendmsg");
  static const RuleRef kUnveil{"unveil", 0, {}};
  const Syscall& call = f.call();
  if (!runs(j.outcome.verdict) || j.guarded || !kSendmmsg.is(call)) return std::nullopt;
  const auto nr = kSendmsg.on(call.abi);
  const auto plan = nr ? sendmmsg_as_sendmsg(call, *nr) : std::nullopt;
  if (nr && !plan) return std::nullopt;  // vlen 0: the kernel reads no message
  const auto refuse = [&](std::string why) -> std::optional<StopFacts> {
    j.outcome = Outcome{Verdict{Action::deny, kUnveilBlindErr, &kUnveil}, std::move(why)};
    return std::nullopt;
  };
  if (!plan || call.abi == Abi::i386 || !scratch_.ready() ||
      (!opts_.use_seccomp && t.proc->own_filters))
    return refuse("sendmmsg under unveil runs only as a pinned sendmsg, which cannot be made here");
  SyscallStopInfo info = f.info;
  info.call = plan->sendmsg;
  StopFacts g(info, f.seccomp_stop);
  Judged k = judge_call(t, g);
  j.outcome = k.outcome;
  j.guarded = k.guarded;
  f.sock_path = g.sock_path;  // a refusal's record names the path
  if (!runs(k.outcome.verdict) || k.guarded) return std::nullopt;
  if (!g.addr || g.addr->err) return refuse("sendmmsg's first message could not be read");
  return g;
}

}  // namespace xpledge::engine
