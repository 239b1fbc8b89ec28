// A syscall stop (entry, seccomp or exit): what the engine's own state says first (its injected
// calls, nesting, an exec filter, parked calls, SYS_xpledge, SYS_xunveil, clone3), then the
// policy's decision on the program's own call.
#include <fmt/format.h>

#include <sched.h>

#include <csignal>

#include <algorithm>

#include "effects.hpp"
#include "engine.hpp"
#include "call_kinds.hpp"
#include "decide.hpp"
#include "path_resolve.hpp"
#include "pledge.hpp"
#include "unix_paths.hpp"
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
  static const RuleRef kNest{"pledge:nest", 0, {}};
  switch (catch_up(t.nest.has_value(), t.nest_level, t.proc->nest_level, landlock_nesting(),
                   info.abi == Abi::x86_64,
                   t.proc->filter_injector != 0 || t.proc->seccomp_running > 0)) {
    case CatchUp::none: break;
    case CatchUp::refuse:
      return enforce(t, StopFacts(info, seccomp_stop), {Verdict{Action::deny, EAGAIN, &kNest}});
    case CatchUp::park:
      t.parked_at_seccomp_stop = seccomp_stop;
      t.proc->parked.push_back(t.tid);
      return kHold;
    case CatchUp::nest: return start_nest(t, info, false);
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
  static const RuleRef kNest{"pledge:nest", 0, {}};
  switch (classify_nest_stop(*t.nest, info, opts_.use_seccomp, t.nest_level,
                             t.proc->nest_level)) {
    case NestStop::ours:
    case NestStop::to_seccomp_stop: return kResume;
    case NestStop::left_chain:
      // It runs with the chain's registers: nothing it does can be trusted to be ours.
      opts_.log->error(fmt::format("pid {}: left its Landlock nesting chain (rseq abort?): its "
                                   "process is killed", t.tid));
      kill(t.proc->tgid, SIGKILL);
      return kResume;
    case NestStop::refuse:
      return enforce(t, StopFacts(info, seccomp_stop), {Verdict{Action::deny, EINTR, &kNest}});
    case NestStop::judge: break;
  }
  return std::nullopt;
}

// The program's own call: decided (judge_call), told to the observers, then enforced, its
// paths pinned first if it runs.
Restart Tracer::on_program_call(ThreadState& t, const SyscallStopInfo& info, bool seccomp_stop) {
  StopFacts f(info, seccomp_stop);
  Judged j = judge_call(t, f);
  // glibc's resolver's sendmmsg under dns: run as a sendmsg of its first message (addr_pinning).
  std::optional<StopFacts> as_msg;
  if (!opts_.permissive) as_msg = judge_mmsg_as_msg(t, f, j);
  if (!as_msg && !opts_.permissive && t.proc->unveil.active)
    as_msg = judge_mmsg_under_unveil(t, f, j);  // unix_paths.cpp
  Outcome& o = j.outcome;
  const Verdict& v = o.verdict;
  if (v.rule == &opts_.policy->impl().unknown_ref) warn_unknown_once(t, f, o);
  if (opts_.permissive && !j.guarded && (v.action == Action::deny || v.action == Action::kill)) {
    // Observe, do not enforce: the call runs; the record says what would have happened.
    notify(t, f.call(), f.named, v, v, f.paths);
    report(t, f, o, true);
    return kResume;
  }
  if (as_msg) {
    const Restart r = run_mmsg_as_msg(t, f, *as_msg, o);
    // Enforced as the program's sendmmsg, or refused by pin_addr as the sendmsg it judged;
    // neither: restarting after the scratch attach, decided anew. Observers hear of the
    // program's sendmmsg, never of a sendmsg it did not make.
    const auto done = f.enforced ? f.enforced : as_msg->enforced;
    if (done) notify(t, f.call(), f.named, v, *done, f.paths);
    return r;
  }
  const bool call_runs = v.action == Action::allow || v.action == Action::log;
  std::optional<Restart> pinned;
  // The scratch area is being attached (the call restarts), or the call was refused.
  if (f.paths_checked && call_runs) pinned = pin_paths(t, f);
  if (!pinned && f.addr && call_runs) pinned = pin_addr(t, f);  // addr_pinning.cpp
  // Restarting after the attach, the call is decided, and its observers told, anew.
  if (pinned && !f.enforced) return *pinned;
  const Restart r = pinned ? *pinned : enforce(t, f, o);
  // Once per call, the policy's verdict with what was done (a call that could not be pinned:
  // refused after all).
  notify(t, f.call(), f.named, v, f.enforced.value_or(v), f.paths);
  return r;
}

// The paths of the call when a rule or an observer needs them, resolved once per stop.
void Tracer::resolve_call_paths(ThreadState& t, StopFacts& f) {
  const Syscall& call = f.call();
  const auto& pledged = t.proc->pledge.promises;
  f.paths_checked = opts_.policy->needs_paths(call.abi, call.nr) ||
                    (pledged && catalogue().needs_paths(*pledged, call.abi, call.nr)) ||
                    t.proc->unveil.active;
  if (f.paths_checked && !t.restartable.empty()) restore_restarted_paths(t, call);
  if (f.paths_checked || want_paths_)
    f.paths = resolve_path_args(t.tid, call, f.sig(), opts_.policy->impl().dir_anchors);
  if (f.paths_checked) f.addr = read_call_addr(t.tid, call);  // connect, sendto...
  if (f.addr && t.proc->unveil.active) f.sock_path = unix_socket_path_arg(t.tid, call, *f.addr);
  if (f.paths_checked && t.proc && !t.proc->warned_no_view &&
      std::any_of(f.paths.begin(), f.paths.end(), [](const PathArg& p) { return p.no_view; })) {
    t.proc->warned_no_view = true;
    opts_.log->error(fmt::format(
        "pid {}: cannot read /proc/{}/root (the program made itself not dumpable?): its "
        "path-checked calls are judged as unresolved paths (deny rules hold, allow rules do not)",
        t.tid, t.tid));
  }
}

// The policy, the guard, the denied-tree move check, pledge, unveil and the exec rules, in
// that order: the verdict on the program's own call.
Tracer::Judged Tracer::judge_call(ThreadState& t, StopFacts& f) {
  Judged j;
  if (!f.info.abi) {
    // An arch this host should not have: never allowed.
    static const RuleRef kUnknownArch{"abi", 0, {}};
    j.outcome.verdict = Verdict{Action::deny, ENOSYS, &kUnknownArch};
    return j;
  }
  resolve_call_paths(t, f);
  const Syscall& call = f.call();
  const Decision d =
      decide_call(judge_for(t), CallFacts{call, f.paths, guard_context(t, call, f.named), f.named,
                                              f.addr ? &*f.addr : nullptr,
                                              f.sock_path ? &*f.sock_path : nullptr});
  if (d.strip_untraced) {
    // The child must stay traced: the flag is cleared, the verdict stands. The program's own
    // flags come back at the exit stop, and in the child at its first stop (on_new_child).
    if (!repoint_arg(t, call, 0, call.args[0] & ~static_cast<std::uint64_t>(CLONE_UNTRACED)))
      kill(t.proc->tgid, SIGKILL);  // its registers cannot be read: it must not clone untraced
    report(t, f, {Verdict{Action::log, 0, d.strip_untraced}});
  }
  Outcome& o = j.outcome;
  o.quiet = d.quiet && opts_.log->verbosity() == 0;
  o.hint = d.hint;
  j.guarded = d.guarded;
  Verdict v = d.verdict;
  const bool call_runs = runs(v);
  static const CallNumbers execve("execve"), execveat("execveat");
  if (exec_rules_ && call_runs && (execve.is(call) || execveat.is(call)))
    // The file it names as the kernel reaches it (path_walk.hpp), where its `#!` chain starts:
    // its exec event reads it, its exit stop (a failed exec) drops it.
    t.exit_phase = phase::ExecCall{!f.paths.empty() && !f.paths[0].err ? f.paths[0].path
                                                                          : std::string{}};
  if (exec_rules_ && call_runs) {
    if (auto refusal = judge_exec_mapping(t, call, o.hint)) {
      v = refusal->verdict;
      if (!refusal->image.empty()) f.paths = {PathArg::of(refusal->image, Access::exec)};
    }
  }
  o.verdict = v;
  return j;
}

const PromiseCatalogue& Tracer::catalogue() { return PromiseCatalogue::builtin(); }

Judge Tracer::judge_for(const ThreadState& t) const {
  return Judge{*opts_.policy, catalogue(), t.proc->pledge, t.proc->unveil,
               opts_.log->verbosity() > 0};
}

// The one place that gathers a guard's inputs.
GuardContext Tracer::guard_context(const ThreadState& t, const Syscall& call,
                                   const CallName& named) const {
  const unsigned inputs = guard_inputs(call, named);
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
