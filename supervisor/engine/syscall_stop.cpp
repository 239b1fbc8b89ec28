// A syscall stop (entry, seccomp or exit): what the engine's own state says first (its injected
// calls, nesting, an exec filter, parked calls, SYS_xpledge, SYS_xunveil, clone3), then the
// policy's decision on the program's own call.
#include <fmt/format.h>

#include <sched.h>

#include <csignal>

#include <algorithm>

#include "engine.hpp"
#include "call_kinds.hpp"
#include "decide.hpp"
#include "path_resolve.hpp"
#include "pledge.hpp"
#include "unveil.hpp"

namespace xpledge::engine {

Restart Tracer::on_syscall(ThreadState& t, bool seccomp_stop) {
  SyscallStopInfo info;
  if (!get_syscall_info(t.tid, info)) return kGone;  // vanished (SIGKILL): an event, not an error
  if (info.op == SyscallOp::exit) {
    on_syscall_exit(t, info);
    return kResume;
  }
  if ((info.op != SyscallOp::entry && info.op != SyscallOp::seccomp) || !t.proc ||
      t.proc->trusted_pre_exec)
    return kResume;
  if (in_phase<phase::AwaitingFilter>(t.exit_phase) ||
      in_phase<phase::AwaitingScratch>(t.exit_phase)) {
    // Our own injected call stopping again (the tracee's own filter said SECCOMP_RET_TRACE):
    // let it run; its exit stop tells what it did. (These are injected at the stop itself and
    // end at their exit stop: the thread runs no code of its own in between.)
    return kResume;
  }
  if (t.nest)
    if (const auto r = on_call_in_nest(t, info, seccomp_stop)) return *r;
  if (t.exec_filter) return on_exec_filter(t, info);
  if (!t.nest && t.nest_level < t.proc->nest_level && landlock_nesting()) {
    // Its process narrowed while it ran: it joins the nested domain before this call runs (an
    // i386 call cannot carry the injected x86-64 ones: refused until an x86-64 call comes).
    if (info.abi != Abi::x86_64) {
      static const RuleRef kNest{"pledge:nest", 0, {}};
      return enforce(t, info, Verdict{Action::deny, EAGAIN, &kNest}, seccomp_stop, {});
    }
    if (t.proc->filter_injector != 0 || t.proc->seccomp_running > 0) {
      t.parked_at_seccomp_stop = seccomp_stop;  // its filter count would not be ours alone
      t.proc->parked.push_back(t.tid);
      return kHold;
    }
    return start_nest(t, info, false);
  }
  if (opts_.use_seccomp && park_if_filters_busy(t, info, seccomp_stop)) return kHold;
  if (info.abi == Abi::x86_64 && info.call.nr == kSysXpledge)
    return on_xpledge(t, info, seccomp_stop);
  if (info.abi == Abi::x86_64 && info.call.nr == kSysXunveil)
    return on_xunveil(t, info, seccomp_stop);
  // clone3 through the syscall instruction (x86-64, x32), where the injected shmat that pins its
  // struct can be issued; an i386 one, or any without a scratch area, gets the guard's ENOSYS.
  if (info.abi && info.call.abi != Abi::i386 && scratch_.ready() && is_clone3_call(info.call))
    return on_clone3(t, info, seccomp_stop);
  return on_program_call(t, info, seccomp_stop);
}

// A stop of a thread inside a nesting chain: the chain's own step runs; a call of the thread's
// own is judged (nullopt: like any other call) or refused.
std::optional<Restart> Tracer::on_call_in_nest(ThreadState& t, const SyscallStopInfo& info,
                                               bool seccomp_stop) {
  if (nest_stop_is_ours(*t.nest, info)) return kResume;
  if (t.nest->blocked) {
    // Signals are blocked: no handler runs inside the chain, so the thread left it by itself
    // (an rseq abort moved it off the syscall instruction, or a sibling rewrote the signal
    // set): it runs with the chain's registers, nothing it does can be trusted to be ours.
    opts_.log->error(fmt::format("pid {}: left its Landlock nesting chain (rseq abort?): its "
                                 "process is killed", t.tid));
    kill(t.proc->tgid, SIGKILL);
    return kResume;
  }
  // The thread's own call between two steps of the chain (a signal handler's, the mask not
  // set): judged like any other, at its seccomp stop if the filters stop it (seccomp mode).
  t.nest->foreign_in_flight = true;
  if (info.op == SyscallOp::entry && opts_.use_seccomp) return kResume;
  // Refused: any call of a thread catching up with its process's narrowing (it must not run
  // a call before it is nested), and what would need a chain or injection of its own.
  static const RuleRef kNest{"pledge:nest", 0, {}};
  if (!t.nest->for_xpledge || t.nest_level < t.proc->nest_level ||
      (info.abi == Abi::x86_64 && info.call.nr == kSysXpledge) || is_seccomp_call(info.call))
    return enforce(t, info, Verdict{Action::deny, EINTR, &kNest}, seccomp_stop, {});
  return std::nullopt;
}

// The program's own call: decided (judge_call), told to the observers, then enforced, its
// paths pinned first if it runs.
Restart Tracer::on_program_call(ThreadState& t, const SyscallStopInfo& info, bool seccomp_stop) {
  Judged j = judge_call(t, info);
  const Verdict& v = j.verdict;
  if (v.rule == &opts_.policy->impl().unknown_ref) warn_unknown_once(t, info.call);
  notify(t, info.call, v, j.paths);
  if (opts_.permissive && !j.guarded && (v.action == Action::deny || v.action == Action::kill)) {
    // Observe, do not enforce: the call runs; the record says what would have happened.
    log_event(t, info.call, v, j.paths, true);
    t.hint.clear();
    return kResume;
  }
  if (j.paths_checked && (v.action == Action::allow || v.action == Action::log))
    // The scratch area is being attached (the call restarts), or the call was refused.
    if (const auto r = pin_paths(t, info, j.sig, j.paths, seccomp_stop)) return *r;
  if (j.addr && (v.action == Action::allow || v.action == Action::log))
    if (const auto r = pin_addr(t, info, *j.addr, seccomp_stop)) return *r;  // addr_pinning.cpp
  return enforce(t, info, v, seccomp_stop, j.paths);
}

// The paths of the call when a rule or an observer needs them, resolved once per stop.
void Tracer::resolve_call_paths(ThreadState& t, const SyscallStopInfo& info, Judged& j) {
  const auto& pledged = t.proc->pledge.promises;
  j.paths_checked = opts_.policy->needs_paths(info.call.abi, info.call.nr) ||
                    (pledged && catalogue().needs_paths(*pledged, info.call.abi, info.call.nr)) ||
                    t.proc->unveil.active;
  if (j.paths_checked && !t.restartable.empty()) restore_restarted_paths(t, info.call);
  if (j.paths_checked || want_paths_) {
    // The signature once per stop, for the resolution and the pinning.
    j.sig = syscall_sig(syscall_name(info.call.abi, info.call.nr));
    j.paths = resolve_path_args(t.tid, info.call, j.sig, opts_.policy->impl().dir_anchors);
  }
  if (j.paths_checked) j.addr = read_call_addr(t.tid, info.call);  // connect, sendto...
  if (j.paths_checked && t.proc && !t.proc->warned_no_view &&
      std::any_of(j.paths.begin(), j.paths.end(), [](const PathArg& p) { return p.no_view; })) {
    t.proc->warned_no_view = true;
    opts_.log->error(fmt::format(
        "pid {}: cannot read /proc/{}/root (the program made itself not dumpable?): its "
        "path-checked calls are judged as unresolved paths (deny rules hold, allow rules do not)",
        t.tid, t.tid));
  }
}

// The policy, the guard, the denied-tree move check, pledge, unveil and the exec rules, in
// that order: the verdict on the program's own call.
Tracer::Judged Tracer::judge_call(ThreadState& t, const SyscallStopInfo& info) {
  Judged j;
  if (!info.abi) {
    // An arch this host should not have: never allowed.
    static const RuleRef kUnknownArch{"abi", 0, {}};
    j.verdict = Verdict{Action::deny, ENOSYS, &kUnknownArch};
    return j;
  }
  resolve_call_paths(t, info, j);
  const Decision d = decide_call(judge_for(t), CallFacts{info.call, j.paths,
                                                         guard_context(t, info.call),
                                                         j.addr ? &*j.addr : nullptr});
  if (d.strip_untraced) {
    // The child must stay traced: the flag is cleared, the verdict stands.
    set_syscall_arg(t.tid, info.call.abi, 0,
                    info.call.args[0] & ~static_cast<std::uint64_t>(CLONE_UNTRACED));
    log_event(t, info.call, Verdict{Action::log, 0, d.strip_untraced}, {});
  }
  if (d.quiet) t.quiet = opts_.log->verbosity() == 0;
  if (!d.hint.empty()) t.hint = d.hint;
  j.guarded = d.guarded;
  Verdict v = d.verdict;
  const bool call_runs = runs(v);
  static const CallNumbers execve("execve"), execveat("execveat");
  if (exec_rules_ && (execve.is(info.call) || execveat.is(info.call)))
    // Each exec call says anew what its exec event walks: a failed one leaves nothing.
    // The file it names as the kernel reaches it (path_walk.hpp), where its `#!` chain starts.
    t.exec_target =
        call_runs && !j.paths.empty() && !j.paths[0].err ? j.paths[0].path : std::string{};
  if (exec_rules_ && call_runs) {
    if (auto refusal = judge_exec_mapping(t, info.call)) {
      v = refusal->verdict;
      if (!refusal->image.empty()) j.paths = {PathArg::of(refusal->image, Access::exec)};
    }
  }
  j.verdict = v;
  return j;
}

const PromiseCatalogue& Tracer::catalogue() { return PromiseCatalogue::builtin(); }

Judge Tracer::judge_for(const ThreadState& t) const {
  return Judge{*opts_.policy, catalogue(), t.proc->pledge, t.proc->unveil,
               opts_.log->verbosity() > 0};
}

// The one place that gathers a guard's inputs.
GuardContext Tracer::guard_context(const ThreadState& t, const Syscall& call) const {
  const unsigned inputs = guard_inputs(call);
  const pid_t caller_pgid = (inputs & kInputCallerPgid) ? getpgid(t.tid) : 0;
  int caller_threads = 0;
  if (inputs & kInputCallerPgid)
    for (const auto& [tid, other] : threads_) caller_threads += other.proc == t.proc;
  const pid_t fd_target =
      (inputs & kInputFdTarget)
          ? fd_target_pid(t.tid, static_cast<int>(static_cast<std::int32_t>(call.args[0])))
          : 0;
  return GuardContext{self_pid_, self_pgid_, t.proc->tgid, caller_pgid, caller_threads, fd_target,
                      scratch_.ready() ? scratch_.id() : -1};
}

}  // namespace xpledge::engine
