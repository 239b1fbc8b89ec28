// SYS_xpledge, and the filters stacked in the kernel for it and for SYS_xunveil
// (unveil_calls.cpp).

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
#include "ring_fds.hpp"
#include "call_kinds.hpp"

namespace xpledge::engine {

PromiseArg Tracer::read_promise_arg(pid_t tid, std::uint64_t addr) {
  if (addr == 0) return {};
  const StringRead s = read_string(tid, addr, kMaxPromiseString);
  if (s.err == ENAMETOOLONG) return {false, {}, EINVAL};
  return {false, s.value, s.err};
}

Restart Tracer::on_xpledge(ThreadState& t, const SyscallStopInfo& info, bool seccomp_stop) {
  const pid_t tid = t.tid;
  const XpledgePlan plan = plan_xpledge(
      catalogue(),
      XpledgeFacts{t.proc->pledge, read_promise_arg(tid, info.call.args[0]),
                   read_promise_arg(tid, info.call.args[1]), t.nest_failed, landlock_nesting(),
                   t.nest_level, t.proc->nest_level, multithreaded(t.proc),
                   t.proc->kernel_allows, seccomp_stop});
  static const RuleRef kXpledge{"xpledge", 0, {}};
  const PledgeState& next = plan.next;
  // Promises never grant io_uring, yet a ring held now submits without calls (ring_fds.hpp).
  if (plan.step != XpledgePlan::Step::refuse && next.promises) {
    if (const std::string ring = ring_held(t.proc->tgid); !ring.empty())
      return enforce(t, StopFacts(info, seccomp_stop),
                     Outcome{Verdict{Action::deny, EBUSY, &kXpledge}, "io_uring held: " + ring});
  }
  switch (plan.step) {
    case XpledgePlan::Step::refuse:
      if (plan.clears_nest_failed) t.nest_failed = false;
      return enforce(t, StopFacts(info, seccomp_stop),
                     Outcome{Verdict{Action::deny, plan.err, &kXpledge}, plan.hint});
    case XpledgePlan::Step::nest_first: return start_nest(t, info, true);
    case XpledgePlan::Step::commit:
    case XpledgePlan::Step::stack_filter: break;
  }
  opts_.log->info(fmt::format("pid {} pledged promises={} execpromises={}", t.proc->tgid,
                              next.promises ? fmt::format("\"{}\"", catalogue().format(*next.promises)) : "unchanged",
                              next.execpromises ? fmt::format("\"{}\"", catalogue().format(*next.execpromises)) : "unset"));
  if (plan.step == XpledgePlan::Step::commit) {
    t.proc->pledge = next;
    t.proc->nest_level = plan.commit_level;
    effects::skip(tid);
    if (seccomp_stop) effects::set_return(tid, 0);
    else t.exit_phase = phase::AwaitingReturn{0, Abi::x86_64, kSysXpledge};
    return kResume;
  }
  std::string why;
  const Area area = stack_pledge_filter(t, plan.in_filter, why);
  if (area == Area::attaching) return kResume;  // the call restarts and comes back
  if (area == Area::ready) {
    auto& filter = std::get<phase::AwaitingFilter>(t.exit_phase);
    filter.pledge = next;
    filter.nest_level = plan.commit_level;
    return kResume;  // to the exit stop of the injected seccomp()
  }
  // Could not narrow in the kernel: refuse rather than pretend; state unchanged.
  opts_.log->error(fmt::format("pid {}: cannot install the pledge filter ({}): xpledge fails "
                               "with ENOMEM", tid, why));
  effects::skip(tid);
  effects::set_return(tid, -ENOMEM);
  return kResume;
}

// The kernel must read the program from the read-only scratch area: attaches it first if need
// be (`attaching`: the call restarts and comes back), then injects the filter (`ready`: t is to
// be resumed to its exit stop). `unavailable`: neither worked, `why` says why.
Tracer::Area Tracer::stack_pledge_filter(ThreadState& t, const PromiseSet& set, std::string& why) {
  const std::vector<unsigned char> prog = build_pledge_filter(catalogue(), set, why);
  if (prog.empty()) return Area::unavailable;
  return stack_filter(t, prog, phase::AwaitingFilter{{}, -1, set, {}, {}, {}}, why);
}

Tracer::Area Tracer::stack_filter(ThreadState& t, const std::vector<unsigned char>& prog,
                                  phase::AwaitingFilter f, std::string& why) {
  const Area area = attach_scratch(t, why);
  if (area == Area::attaching) return area;
  if (area == Area::unavailable) {
    if (why.empty()) why = "no path scratch area in this process";
    return area;
  }
  return inject_filter(t, prog, std::move(f), why) ? Area::ready : Area::unavailable;
}

// Turns t's current call into seccomp(SET_MODE_FILTER, TSYNC, fprog) for `prog`, and t's phase
// into `f` (its registers and count filled in here). The program and its struct sock_fprog are
// in the read-only scratch area (attached in t's address space: the caller checked), where no
// thread or process of the sandbox can change them before the kernel copies them; the thread's
// Seccomp_filters count is read first, to check at the exit stop that a filter really was
// installed (a filter of the tracee's own could answer the call).
bool Tracer::inject_filter(ThreadState& t, const std::vector<unsigned char>& prog,
                           phase::AwaitingFilter f, std::string& why) {
  const auto fprog = scratch_.pin_program(
      std::string_view(reinterpret_cast<const char*>(prog.data()), prog.size()));
  if (!fprog) {
    why = "no room for its program in the scratch area";
    return false;
  }
  const long before = status_field(t.tid, "Seccomp_filters:");
  if (before < 0) {
    why = "this kernel does not report Seccomp_filters (Linux 5.9+) to verify it";
    return false;
  }
  SavedRegs regs{};
  if (!save_regs(t.tid, regs) ||
      !effects::inject(t.tid, regs, SYS_seccomp,
                       {SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, *fprog})) {
    why = "cannot rewrite the call";
    return false;
  }
  f.regs = regs;
  f.filters_before = before;
  t.exit_phase = std::move(f);
  t.proc->filter_injector = t.tid;
  return true;
}

// The exit stop of an injected pledge filter: installed for real, or not.
void Tracer::on_filter_injected(ThreadState& t, const SyscallStopInfo& info,
                                const phase::AwaitingFilter& f) {
  const SavedRegs& regs = f.regs;
  const auto proc = t.proc;
  proc->filter_injector = 0;
  const long after = status_field(t.tid, "Seccomp_filters:");
  const bool installed = info.rval == 0 && after == f.filters_before + 1;
  if (f.unveil) {
    on_unveil_filter_injected(t, info, f, installed, after);
    unpark(proc);
    return;
  }
  if (installed) {
    proc->kernel_allows = proc->kernel_allows ? *proc->kernel_allows & f.set : f.set;
    ++proc->our_filters;
  }
  const bool after_exec = !f.pledge;
  if (!installed) {
    // TSYNC names a thread it could not synchronise (rval > 0); seccomp() failed; or it
    // "succeeded" without a new filter: the tracee's own filter answered it.
    opts_.log->error(fmt::format(
        "pid {}: the pledge filter was not installed (seccomp returned {}, filters {} -> {}){}",
        t.tid, info.rval, f.filters_before, after,
        after_exec ? ": the new image cannot run under its execpromises; killed"
                   : ": promises unchanged, xpledge fails with EPERM"));
  }
  if (after_exec) {
    // The first call of an image that got execpromises: it runs now, under the new filter.
    t.exec_filter.reset();
    effects::restore_and_restart(t.tid, regs);
    if (!installed) kill(proc->tgid, SIGKILL);
  } else {
    if (installed) {
      proc->pledge = *f.pledge;
      if (f.nest_level) proc->nest_level = *f.nest_level;
    }
    effects::restore(t.tid, regs, installed ? 0 : -EPERM);
  }
  unpark(proc);
}

// The first call of a new image whose execpromises need a filter of their own: the filter is
// stacked first (attaching the scratch area if need be), then the call restarts. An i386 call
// cannot carry an injected x86-64 one: it is refused (EAGAIN) until an x86-64 call comes.
Restart Tracer::on_exec_filter(ThreadState& t, const SyscallStopInfo& info) {
  static const RuleRef kExecFilter{"pledge:exec-filter", 0, {}};
  if (info.abi != Abi::x86_64) {
    return enforce(t, StopFacts(info, info.op == SyscallOp::seccomp),
                   {Verdict{Action::deny, EAGAIN, &kExecFilter}});
  }
  std::string why;
  const Area area = stack_pledge_filter(t, *t.exec_filter, why);
  // attaching: the call restarts and comes back; ready: resumed to the filter's exit stop.
  if (area != Area::unavailable) return kResume;
  opts_.log->error(fmt::format("pid {}: cannot install the execpromises filter ({}): killed",
                               t.tid, why));
  t.exec_filter.reset();
  effects::skip(t.tid);
  kill(t.proc->tgid, SIGKILL);
  return kResume;
}

// Seccomp mode: a seccomp(), xpledge() or xunveil() call that must wait for the process's filter
// traffic (see ProcessState::filter_injector): held at its stop, true. xpledge and xunveil wait
// for a tracee's own seccomp() too, since the count they are verified by would count that one.
bool Tracer::park_if_filters_busy(ThreadState& t, const SyscallStopInfo& info, bool seccomp_stop) {
  ProcessState& p = *t.proc;
  const bool is_xpledge = info.abi == Abi::x86_64 &&
                          (info.call.nr == kSysXpledge || info.call.nr == kSysXunveil);
  if (!is_xpledge && !is_seccomp_call(info.call)) return false;
  if (p.filter_injector == 0 && p.nest_chains == 0 && !(is_xpledge && p.seccomp_running > 0))
    return false;
  t.parked_at_seccomp_stop = seccomp_stop;
  p.parked.push_back(t.tid);
  return true;
}

void Tracer::unpark(const std::shared_ptr<ProcessState>& proc) {
  if (proc->filter_injector != 0 || proc->seccomp_running > 0 || proc->nest_chains > 0 ||
      proc->parked.empty())
    return;
  // Decided once this stop is over (loop.cpp wake_released), in the order they parked.
  for (const pid_t tid : proc->parked) released_.push_back({tid, proc, true});
  proc->parked.clear();
}

}  // namespace xpledge::engine
