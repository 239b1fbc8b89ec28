#include "pledge.hpp"

#include <cerrno>

namespace xpledge {

namespace {

PromiseSet intersect(const PromiseSet& a, const PromiseSet& b, std::size_t n) {
  PromiseSet out;
  for (std::size_t i = 0; i < n; ++i)
    if (a.has(i) && b.has(i)) out.add(i);
  return out;
}

std::string missing(const PromiseSet& want, const PromiseSet& held, const PromiseCatalogue& cat) {
  std::string out;
  for (std::size_t i = 0; i < cat.size(); ++i)
    if (want.has(i) && !held.has(i)) out += (out.empty() ? "" : " ") + cat.name(i);
  return out;
}

// Parse one argument and check it against what is held; nullopt result = leave unchanged.
PledgeOutcome next_set(const PromiseArg& arg, const std::optional<PromiseSet>& held,
                       bool error_held, const PromiseCatalogue& cat, const char* which,
                       std::optional<PromiseSet>& out) {
  out = held;
  if (arg.err) return {arg.err, std::string("unreadable ") + which};
  if (arg.is_null) return {};
  if (arg.text.size() > kMaxPromiseString)
    return {EINVAL, std::string(which) + " longer than 1024 bytes"};
  std::string bad;
  auto parsed = cat.parse(arg.text, &bad);
  if (!parsed) return {EINVAL, "unknown promise '" + bad + "'"};
  if (held && !parsed->subset_of(*held)) {
    if (!error_held)
      return {EPERM, std::string(which) + " widen: " + missing(*parsed, *held, cat) + " not held"};
    parsed = intersect(*parsed, *held, cat.size());  // OpenBSD: trimmed under `error`
  }
  out = parsed;
  return {};
}

}  // namespace

PledgeOutcome apply_pledge(PledgeState& state, const PromiseArg& promises,
                           const PromiseArg& execpromises, const PromiseCatalogue& cat) {
  const auto error_id = cat.find("error");
  const bool error_held = error_id && state.promises && state.promises->has(*error_id);
  std::optional<PromiseSet> p, e;
  if (auto r = next_set(promises, state.promises, error_held, cat, "promises", p); r.err) return r;
  if (auto r = next_set(execpromises, state.execpromises, error_held, cat, "execpromises", e);
      r.err)
    return r;
  state.promises = p;
  state.execpromises = e;
  return {};
}

void pledge_on_exec(PledgeState& state) { state.promises = state.execpromises; }

PledgeVerdict check_pledge(const PledgeState& state, const CallContext& ctx, std::int64_t tgid,
                           Action violation_action, const PromiseCatalogue& cat) {
  if (!state.promises) return {};
  const PromiseCheck c = cat.check(*state.promises, ctx, tgid);
  if (c.allowed) return {};
  if (c.fixed_errno) return {false, c.fixed_errno, false, c.needed};
  const auto error_id = cat.find("error");
  const bool error_held = error_id && state.promises->has(*error_id);
  PledgeVerdict v{true, EPERM, false, c.needed};
  if (violation_action == Action::kill && !error_held) v.kill = true;
  return v;
}

}  // namespace xpledge
