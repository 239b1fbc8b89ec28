// The decision on a program's own call, pure (decide.hpp).
#include "decide.hpp"

#include <fmt/format.h>

#include "syscalls.hpp"

namespace xpledge::engine {

Decision apply_guard(const Syscall& call, const GuardContext& guard, const Verdict& v) {
  Decision d;
  d.verdict = v;
  const auto g = guard_check(call, guard, v);
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
  ctx.tgid = facts.guard.caller_tgid;
  const Verdict by_policy = judge.policy.evaluate(ctx);
  Decision d = apply_guard(facts.call, facts.guard, by_policy);
  Verdict& v = d.verdict;
  if (runs(v))
    if (const Rule* r = judge.policy.moves_out_of_denied_tree(ctx)) {
      static const RuleRef kDeniedTree{"guard:denied-tree", 0, {}};
      v = Verdict{Action::deny, r->err.value_or(judge.policy.impl().err), &kDeniedTree};
    }
  d.guarded = v.rule != by_policy.rule;
  v = pledge_verdict(judge, ctx, v, d.hint);
  v = unveil_verdict(judge.unveil, facts.paths, v);
  if (judge.explain && d.hint.empty() && !runs(v) && !d.guarded) d.hint = explain(judge.catalogue, ctx);
  return d;
}

Verdict pledge_verdict(const Judge& judge, const CallContext& ctx, const Verdict& v,
                       std::string& hint) {
  if (!runs(v)) return v;  // the policy refused
  const PledgeVerdict pv = check_pledge(judge.pledge, ctx, ctx.tgid,
                                        judge.policy.pledge_violation(), judge.catalogue);
  if (!pv.violation && pv.err == 0) return v;
  static const RuleRef kPledge{"pledge", 0, {}};
  static const RuleRef kPledgeEnosys{"pledge:enosys", 0, {}};
  hint = pv.needed.empty() ? "no promise allows it"
                           : fmt::format("{} needs {}", syscall_name(ctx.call.abi, ctx.call.nr),
                                         pv.needed);
  if (!pv.violation) return Verdict{Action::deny, pv.err, &kPledgeEnosys};
  return Verdict{pv.kill ? Action::kill : Action::deny, pv.err, &kPledge};
}

Verdict unveil_verdict(const UnveilState& unveil, std::span<const PathArg> paths,
                       const Verdict& v) {
  if (!unveil.active || !runs(v)) return v;
  static const RuleRef kUnveil{"unveil", 0, {}};
  for (const PathArg& p : paths) {
    // An empty name (AT_EMPTY_PATH: fstat of an open descriptor) looks nothing up: descriptors
    // opened before unveil keep working, as on OpenBSD.
    if (p.err == 0 && p.raw.empty()) continue;
    // Both the name and what it reaches (path_walk.hpp) must be unveiled (OpenBSD checks every
    // lookup).
    const std::string& name = p.literal.empty() ? p.path : p.literal;
    int err = p.err ? p.err : check_unveil(unveil, name, p.access);
    if (!err) err = check_unveil(unveil, p.path, p.access);
    if (err) return Verdict{Action::deny, err, &kUnveil};
  }
  return v;
}

std::string explain(const PromiseCatalogue& cat, const CallContext& ctx) {
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
  const std::string name = syscall_name(ctx.call.abi, ctx.call.nr);
  std::string out = name + " needs " + (promise.empty() ? "an allow rule" : promise);
  for (const auto& p : ctx.paths)
    if (!p.err) out += fmt::format(" and a path rule for {} ({})", p.path, access_name(p.access));
  return out;
}

}  // namespace xpledge::engine
