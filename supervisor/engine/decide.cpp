// The decision on a program's own call, pure (decide.hpp).
#include "decide.hpp"

#include <fcntl.h>

#include <fmt/format.h>

#include <cerrno>

#include "call_kinds.hpp"
#include "path_resolve.hpp"
#include "syscalls.hpp"
#include "unveil.hpp"

namespace xpledge::engine {

Decision apply_guard(const Syscall& call, const CallName& named, const GuardContext& guard,
                     const Verdict& v) {
  Decision d;
  d.verdict = v;
  const auto g = guard_check(call, named, guard, v);
  if (!g) return d;
  if (g->action == GuardAction::strip_untraced) {
    // The child must stay traced: the flag is cleared and the policy's verdict stands.
    d.strip_untraced = g->rule;
    return d;
  }
  if (!runs(v)) return d;  // already refused
  d.quiet = g->quiet;
  d.verdict = Verdict{Action::deny, g->err, g->rule};
  return d;
}

Decision decide_call(const Judge& judge, const CallFacts& facts) {
  CallContext ctx{judged_as(facts.call), facts.paths};
  ctx.addr = facts.addr;
  ctx.tgid = facts.guard.caller_tgid;
  // An ioctl judged as the userfaultfd it makes is named so in a hint.
  const CallName judged_name(ctx.call);
  const CallName& named = ctx.call.nr == facts.call.nr ? facts.named : judged_name;
  const Verdict by_policy = judge.policy.evaluate(ctx);
  Decision d = apply_guard(facts.call, facts.named, facts.guard, by_policy);
  Verdict& v = d.verdict;
  if (runs(v))
    if (const Rule* r = judge.policy.moves_out_of_denied_tree(ctx)) {
      static const RuleRef kDeniedTree{"guard:denied-tree", 0, {}};
      v = Verdict{Action::deny, r->err.value_or(judge.policy.impl().err), &kDeniedTree};
    }
  d.guarded = v.rule != by_policy.rule;
  v = pledge_verdict(judge, ctx, named, v, d.hint);
  v = unveil_verdict(judge.unveil, named, facts.paths, v);
  if (facts.sock_path) v = unveil_verdict(judge.unveil, named, {facts.sock_path, 1}, v);
  if (judge.explain && d.hint.empty() && !runs(v) && !d.guarded)
    d.hint = explain(judge.catalogue, ctx, named);
  return d;
}

Verdict pledge_verdict(const Judge& judge, const CallContext& ctx, const CallName& named,
                       const Verdict& v, std::string& hint) {
  if (!runs(v)) return v;  // the policy refused
  const PledgeVerdict pv = check_pledge(judge.pledge, ctx, ctx.tgid,
                                        judge.policy.pledge_violation(), judge.catalogue);
  if (!pv.violation && pv.err == 0) return v;
  static const RuleRef kPledge{"pledge", 0, {}};
  static const RuleRef kPledgeEnosys{"pledge:enosys", 0, {}};
  hint = pv.needed.empty() ? "no promise allows it"
                           : fmt::format("{} needs {}", named.name(), pv.needed);
  if (!pv.violation) return Verdict{Action::deny, pv.err, &kPledgeEnosys};
  return Verdict{pv.kill ? Action::kill : Action::deny, pv.err, &kPledge};
}

Verdict unveil_verdict(const UnveilState& unveil, const CallName& named,
                       std::span<const PathArg> paths, const Verdict& v) {
  if (!unveil.active || !runs(v)) return v;
  static const RuleRef kUnveil{"unveil", 0, {}};
  if (reaches_files_unseen(named.name())) return Verdict{Action::deny, kUnveilBlindErr, &kUnveil};
  for (const PathArg& p : paths) {
    // An empty name (AT_EMPTY_PATH: fstat of an open descriptor) looks nothing up: descriptors
    // opened before unveil keep working, as on OpenBSD. Except an exec (execveat(fd, "",
    // AT_EMPTY_PATH)): it runs the file, which needs `x` where it is now, as execve would.
    if (p.err == 0 && p.raw.empty() && p.access != Access::exec) continue;
    // Both the name and what it reaches (path_walk.hpp) must be unveiled (OpenBSD checks every
    // lookup).
    const std::string& name = p.literal.empty() ? p.path : p.literal;
    int err = p.err ? p.err : check_unveil(unveil, name, p.access);
    if (!err) err = check_unveil(unveil, p.path, p.access);
    if (err) return Verdict{Action::deny, err, &kUnveil};
  }
  return v;
}

std::string explain(const PromiseCatalogue& cat, const CallContext& ctx, const CallName& named) {
  // What would allow this call: a promise, and for a call with paths, a path rule naming them.
  // The catalogue's own choice first: an entry of a promise that is not a narrow variant of
  // another and has no path limit ("sendmsg needs sendfd", not "needs dns", which comes first
  // in catalogue order); then the first promise in catalogue order that allows it.
  std::string promise = cat.check(PromiseSet{}, ctx, ctx.tgid).needed;
  for (std::size_t id = 0; id < cat.size() && promise.empty(); ++id) {
    PromiseSet one;
    one.add(id);
    if (cat.check(one, ctx, ctx.tgid).allowed) promise = cat.name(id);
  }
  std::string out = named.name() + " needs " + (promise.empty() ? "an allow rule" : promise);
  for (const auto& p : ctx.paths)
    if (!p.err) out += fmt::format(" and a path rule for {} ({})", p.path, access_name(p.access));
  return out;
}

XpledgePlan plan_xpledge(const PromiseCatalogue& catalogue, const XpledgeFacts& f) {
  XpledgePlan plan;
  plan.next = f.now;
  const PledgeOutcome out = apply_pledge(plan.next, f.promises, f.execpromises, catalogue);
  if (out.err) {
    plan.err = out.err;
    plan.hint = out.detail;
    return plan;
  }
  const PledgeState& next = plan.next;
  // A narrowing puts every thread of the process into a nested Landlock domain first, so that it
  // cannot reach into the processes it leaves outside (its unpledged parent...): this thread
  // now (the call restarts when it is in), the others before their next call.
  const bool narrows = next.promises && next.promises != f.now.promises;
  if (f.nest_failed) {
    plan.err = EPERM;
    plan.hint = "cannot nest its Landlock domain";
    plan.clears_nest_failed = true;
    return plan;
  }
  if (narrows && f.landlock_nesting && f.thread_nest_level <= f.process_nest_level) {
    plan.step = XpledgePlan::Step::nest_first;
    return plan;
  }
  // A filter is stacked unless the kernel already traces every call outside the new promises.
  // Other threads must stop at their next call to nest: until then the kernel may let nothing
  // run unseen in the process (an empty promise set; filters cannot be removed, so it stays).
  const bool stop_all = narrows && f.landlock_nesting && f.multithreaded;
  plan.in_filter = stop_all || !next.promises ? PromiseSet{} : *next.promises;
  const bool narrowed =
      next.promises && !(f.kernel_allows && f.kernel_allows->subset_of(plan.in_filter));
  // Threads behind this level nest at their next call, once the pledge is committed (not before:
  // the filter being stacked would change their count while they check it).
  plan.commit_level = narrows && f.landlock_nesting ? f.thread_nest_level : f.process_nest_level;
  // Every call stops anyway (pure-ptrace mode), or nothing to narrow in the kernel: commit now.
  plan.step = !f.seccomp_stop || !narrowed ? XpledgePlan::Step::commit
                                           : XpledgePlan::Step::stack_filter;
  return plan;
}

OpenPlan plan_open(bool own_filters, const Syscall& call, const SyscallSig& sig,
                   const PathArg& path) {
  OpenPlan plan;
  if (!is_open_call(sig.name)) return plan;
  // An open of a plain path becomes openat2(AT_FDCWD, resolved path, RESOLVE_NO_SYMLINKS |
  // RESOLVE_NO_MAGICLINKS): a symlink put in its way after the check fails it (ELOOP) instead
  // of leading elsewhere.
  if (!own_filters && pin_resolved(path, sig.name))
    plan.how = no_symlinks_open_how(sig.name, call, path.open_how);
  if (plan.how) return plan;
  // An open the kernel resolves by itself is checked at its exit stop, after the kernel ran it:
  // its O_TRUNC would empty whatever a symlink swapped in after the check leads to (a denied
  // file) before the check sees the race. It is taken off and done at exit, on the file judged.
  plan.truncate_at_exit = open_truncates(sig.name, call, path.open_how);
  // Such an open is pointed at the path it resolved to, whose last component was no symlink
  // at the check: O_NOFOLLOW makes one swapped in there after the check fail it (ELOOP)
  // instead of leading it, and an O_CREAT, into a denied tree (finding F5). A symlink swapped
  // into a middle component is not covered (docs/SECURITY.md).
  plan.nofollow_at_exit =
      pin_resolved(path, sig.name) &&
      (sig.name == "creat" ||
       !(open_call_flags(sig.name, call, path.open_how).value_or(0) & O_NOFOLLOW));
  return plan;
}

std::optional<phase::ExitCheck> exit_check_for(const Syscall& call, const SyscallSig& sig,
                                               std::span<const PathArg> paths, bool resolved_open,
                                               bool truncate_at_exit, bool move_guard) {
  if (is_open_call(sig.name) && !resolved_open && !paths.empty())
    return phase::ExitCheck{call, sig.name, paths[0], {}, true, truncate_at_exit};
  if (is_move_name(sig.name) && paths.size() == 2 && paths[0].id && move_guard)
    return phase::ExitCheck{call, sig.name, paths[0], paths[1].path, false};
  return std::nullopt;
}

CatchUp catch_up(bool in_chain, int thread_level, int process_level, bool landlock_nesting,
                 bool x86_64, bool filters_busy) {
  if (in_chain || thread_level >= process_level || !landlock_nesting) return CatchUp::none;
  if (!x86_64) return CatchUp::refuse;
  return filters_busy ? CatchUp::park : CatchUp::nest;
}

static bool nest_stop_is_ours(ThreadState::NestChain& c, const SyscallStopInfo& info) {
  if (c.foreign_in_flight) return false;
  if (c.ours_in_flight) return true;
  if (info.op == SyscallOp::entry && info.abi == Abi::x86_64 && info.call.nr == c.expect_nr &&
      info.call.args[0] == c.expect_a0 && info.ip == c.ip) {
    c.ours_in_flight = true;
    return true;
  }
  return false;
}

NestStop classify_nest_stop(ThreadState::NestChain& c, const SyscallStopInfo& info,
                            bool use_seccomp, int thread_level, int process_level) {
  if (nest_stop_is_ours(c, info)) return NestStop::ours;
  // Signals are blocked: no handler runs inside the chain, so the thread left it by itself (an
  // rseq abort moved it off the syscall instruction, or a sibling rewrote the signal set).
  if (c.blocked) return NestStop::left_chain;
  // The thread's own call between two steps (a signal handler's, the mask not set).
  c.foreign_in_flight = true;
  if (info.op == SyscallOp::entry && use_seccomp) return NestStop::to_seccomp_stop;
  // A thread catching up with its process's narrowing must not run a call before it is
  // nested; xpledge and seccomp() would need a chain or an injection of their own.
  if (!c.for_xpledge || thread_level < process_level ||
      (info.abi == Abi::x86_64 && info.call.nr == kSysXpledge) || is_seccomp_call(info.call))
    return NestStop::refuse;
  return NestStop::judge;
}

Verdict clone3_verdict(const Verdict& as_clone, const Verdict& own) {
  // Only a rule of the policy's lists speaks for clone3: its default, and its promises (which
  // judge clone's flags), leave it to the rules on clone. A policy's `{ syscall: clone3, errno:
  // ENOSYS }` keeps meaning what it says (libc then uses clone).
  const bool listed = own.rule && (own.rule->list == "allow" || own.rule->list == "deny" ||
                                   own.rule->list == "kill" || own.rule->list == "log");
  return listed && own.action > as_clone.action ? own : as_clone;
}

}  // namespace xpledge::engine
