// The path scratch area in each address space (attached by an injected shmat), and clone3,
// whose struct clone_args is pinned there.

#include <dirent.h>
#include <linux/kcmp.h>
#include <linux/landlock.h>
#include <linux/openat2.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <memory>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "decode.hpp"
#include "guard.hpp"
#include "pledge.hpp"
#include "promises.hpp"
#include "path_match.hpp"
#include "path_resolve.hpp"
#include "path_walk.hpp"
#include "confine.hpp"
#include "landlock_plan.hpp"
#include "prefilter.hpp"
#include "scratch.hpp"
#include "regs.hpp"
#include "stop.hpp"
#include "exec_images.hpp"
#include "rule_binding.hpp"
#include "syscalls.hpp"
#include "unveil.hpp"
#include "tracee_mem.hpp"

#include "effects.hpp"
#include "engine.hpp"
#include "proc_facts.hpp"
#include "call_kinds.hpp"
#include "decide.hpp"

namespace xpledge::engine {

// clone3: its struct clone_args is read (a size the kernel takes), judged as the clone it makes
// by the policy, the guard and pledge (guard.hpp clone3_as_clone), and pinned as judged, with
// CLONE_UNTRACED cleared, in the thread's scratch slot: another thread rewriting the struct
// after the check changes nothing the kernel reads. The new task is then followed like any
// clone's (PTRACE_O_TRACECLONE/FORK/VFORK report clone3 children too).
Restart Tracer::on_clone3(ThreadState& t, const SyscallStopInfo& info, bool seccomp_stop) {
  static const RuleRef kClone3{"guard:clone3", 0, {}};
  const StopFacts f(info, seccomp_stop);
  const Syscall& call = info.call;
  const auto refuse = [&](int err, bool quiet) {
    return enforce(t, f, Outcome{Verdict{Action::deny, err, &kClone3}, {},
                                 quiet && opts_.log->verbosity() == 0});
  };
  // What the kernel would answer without reading anything, or for a struct it cannot read.
  if (const int err = clone3_size_error(call.args[1])) return refuse(err, false);
  // A clone3 the kernel restarts after a signal handler pinned something of its own: its
  // struct goes back into the slot first (as a restarted path call's paths do).
  if (!t.restartable.empty()) restore_restarted_paths(t, call);
  std::string bytes(call.args[1], '\0');
  if (!read_bytes(t.tid, call.args[0], bytes.data(), bytes.size())) return refuse(EFAULT, false);
  const Syscall judged = clone3_as_clone(call.abi, parse_clone_args(bytes));
  CallContext ctx{judged, {}};
  ctx.tgid = t.proc->tgid;
  Outcome o{clone3_verdict(opts_.policy->evaluate(ctx),
                           opts_.policy->evaluate(CallContext{call, {}, ctx.tgid}))};
  Verdict& v = o.verdict;
  const CallName judged_name(judged);  // a hint names the clone it is judged as
  const Decision g = apply_guard(judged, judged_name, guard_context(t, judged, judged_name), v);
  const RuleRef* untraced = g.strip_untraced;  // CLONE_UNTRACED is cleared in the pinned copy
  const bool guarded = g.verdict.rule != v.rule;
  v = pledge_verdict(judge_for(t), ctx, judged_name, g.verdict, o.hint);
  if (opts_.log->verbosity() > 0 && o.hint.empty() && !runs(v) && !guarded)
    o.hint = explain(catalogue(), ctx, judged_name);
  // Observers hear of the call once, with what was done (a refused pin included), and not when
  // it restarts after the scratch attach (it is decided and told anew then).
  const auto told = [&](Restart r) {
    notify(t, judged, judged_name, v, f.enforced.value_or(v), {});
    return r;
  };
  const bool refused = v.action == Action::deny || v.action == Action::kill;
  if (refused && !(opts_.permissive && !guarded)) return told(enforce(t, f, o));
  // It runs: from the pinned copy only (also under --permissive: the guard holds there too).
  std::string why;
  switch (attach_scratch(t, why)) {
    case Area::ready: break;
    case Area::attaching: return kResume;  // the call restarts, decided anew
    case Area::unavailable: return told(refuse(ENOSYS, true));  // libc falls back to clone
  }
  const std::string pinned = clone3_pinned_bytes(bytes);
  const auto at = scratch_.pin_bytes(t.tid, 0, pinned);
  if (!at || !repoint_arg(t, call, 0, *at)) {
    opts_.log->error(fmt::format("pid {}: cannot pin clone3's struct clone_args; refusing the call",
                                 t.tid));
    return told(refuse(EAGAIN, false));
  }
  ThreadState::PinnedCall record{call, {}, {}, pinned, {}, {}};
  record.call.args[0] = *at;
  t.last_pinned = std::move(record);
  if (untraced) report(t, f, {Verdict{Action::log, 0, untraced}});
  if (refused) {
    report(t, f, o, true);  // permissive: observed, not enforced
    return told(kResume);
  }
  return told(enforce(t, f, o));
}

// Whether the scratch area is attached in t's address space, and if not, attaches it: the
// current call becomes shmat(id, kAddr, SHM_RDONLY) and runs again from the start once it is
// done (on_scratch_attached), to be decided anew (`attaching`: the stop ends with kResume).
// Stopped, the thread cannot change its uid before the attach runs. `unavailable`: refuse the call with
// EAGAIN (`why` says why, empty if it was said already).
Tracer::Area Tracer::attach_scratch(ThreadState& t, std::string& why) {
  using Scratch = AddressSpace::Scratch;
  if (!scratch_.ready()) {
    why = "there is no path scratch area (System V shared memory is unavailable)";
    return Area::unavailable;
  }
  if (t.proc->mm->scratch == Scratch::inherited && !verify_scratch(t)) return Area::unavailable;
  if (t.proc->mm->scratch == Scratch::failed) return Area::unavailable;
  if (t.proc->mm->scratch == Scratch::mapped) return Area::ready;
  if (t.nest) {
    // A signal handler's call inside a nesting chain: no injection of its own in between.
    why = "its thread is inside a Landlock nesting chain";
    return Area::unavailable;
  }
  const long euid = status_field(t.tid, "Uid:", 1);
  if (euid < 0) {
    why = "cannot read its uid to admit it to the scratch area";
    return Area::unavailable;
  }
  if (std::string err; !scratch_.admit(static_cast<uid_t>(euid), err)) {
    why = "cannot admit it to the scratch area: " + err;
    return Area::unavailable;
  }
  SavedRegs regs{};
  if (!save_regs(t.tid, regs) ||
      !effects::inject(t.tid, regs, SYS_shmat,
                       {static_cast<std::uint64_t>(scratch_.id()), PathScratch::kAddr,
                        SHM_RDONLY})) {
    why = "cannot inject the scratch area's shmat";
    return Area::unavailable;
  }
  t.exit_phase = phase::AwaitingScratch{regs, scratch_.generation()};  // resumed to its exit stop
  return Area::attaching;
}


// Two tracees of different users attaching at once take turns; this bounds a livelock.
constexpr int kScratchRetries = 64;

void Tracer::on_scratch_attached(ThreadState& t, const SyscallStopInfo& info,
                                 const phase::AwaitingScratch& attach) {
  const SavedRegs& regs = attach.regs;
  AddressSpace& mm = *t.proc->mm;
  if (static_cast<std::uint64_t>(info.rval) == PathScratch::kAddr) {
    mm.scratch = AddressSpace::Scratch::mapped;
  } else if (info.rval == -EACCES && scratch_.generation() != attach.generation &&
             ++mm.scratch_retries <= kScratchRetries) {
    // Another user's tracee was admitted while this attach was in flight: the call restarts
    // and pin_paths() admits this one again.
  } else if (info.rval == -EINVAL && scratch_.seen_in(t.tid) == PathScratch::Seen::ours) {
    // Something is at kAddr already, and it is the area: another process sharing this address
    // space attached it (a CLONE_VM clone we could not tell from a fork).
    mm.scratch = AddressSpace::Scratch::mapped;
  } else {
    mm.scratch = AddressSpace::Scratch::failed;
    opts_.log->error(fmt::format(
        "pid {}: cannot attach the path scratch area at {:#x} ({}): its path-checked calls are "
        "refused with EAGAIN", t.proc->tgid, PathScratch::kAddr,
        info.rval < 0 ? std::strerror(static_cast<int>(-info.rval)) : "another address"));
  }
  effects::restore_and_restart(t.tid, regs);
}

// An inherited attachment, checked before the first pin in this address space: ours -> mapped;
// nothing there -> absent (attached anew); anything else -> failed. False if failed.
bool Tracer::verify_scratch(ThreadState& t) {
  AddressSpace& mm = *t.proc->mm;
  switch (scratch_.seen_in(t.tid)) {
    case PathScratch::Seen::ours: mm.scratch = AddressSpace::Scratch::mapped; return true;
    case PathScratch::Seen::free: mm.scratch = AddressSpace::Scratch::absent; return true;
    case PathScratch::Seen::other: break;
  }
  mm.scratch = AddressSpace::Scratch::failed;
  opts_.log->error(fmt::format(
      "pid {}: something other than the path scratch area is mapped at {:#x} (inherited from its "
      "parent): its path-checked calls are refused with EAGAIN", t.proc->tgid,
      PathScratch::kAddr));
  return false;
}

}  // namespace xpledge::engine
