#include "policy.hpp"

#include <linux/fs.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "abi_index.hpp"
#include "arg_grants.hpp"
#include "errno_names.hpp"
#include "numbers.hpp"
#include "path_match.hpp"
#include "rule_eval.hpp"
#include "promises.hpp"
#include "syscalls.hpp"

namespace xpledge {

namespace {

// What the policy's `promises:` say about a call no explicit rule matched: allow, a fixed errno
// (clone3/openat2 -> ENOSYS so libc falls back to a call whose arguments can be checked; only
// when the default is not allow, which would let them run anyway), or nothing.
std::optional<Verdict> promises_verdict(const Policy::Impl& p, const CallContext& ctx) {
  if (!p.promises) return std::nullopt;
  const PromiseCatalogue& cat = PromiseCatalogue::builtin();
  const PromiseCheck c = ctx.tgid >= 0 ? cat.check(*p.promises, ctx, ctx.tgid)
                                       : cat.check(*p.promises, ctx);
  if (c.allowed) return Verdict{Action::allow, 0, &p.promises_ref};
  if (c.fixed_errno != 0 && p.default_action != Action::allow)
    return Verdict{Action::deny, c.fixed_errno, &p.promises_ref};
  return std::nullopt;
}

bool promises_allow_unconditionally(const Policy::Impl& p, Abi abi, std::int64_t nr) {
  return p.promises && PromiseCatalogue::builtin().allows_unconditionally(*p.promises, abi, nr);
}

int verdict_errno(Action a, int err) { return a == Action::deny ? err : 0; }

}  // namespace

std::string_view action_name(Action a) {
  switch (a) {
    case Action::allow: return "allow";
    case Action::log: return "log";
    case Action::deny: return "deny";
    case Action::kill: return "kill";
  }
  return "?";
}

// "deny[2]@web.yaml:12:5"; lists without entries (default, abi, promises, the tracer's own
// guard:* refs) have no index, and a ref with no file no "@...".
std::string RuleRef::describe() const {
  std::string out = list;
  if (list == "allow" || list == "deny" || list == "kill" || list == "log")
    out += "[" + std::to_string(index) + "]";
  if (pos.file.empty()) return out;
  out += "@" + pos.file;
  if (pos.line > 0) out += ":" + std::to_string(pos.line) + ":" + std::to_string(pos.col);
  return out;
}

std::string_view arg_op_name(ArgOp op) {
  switch (op) {
    case ArgOp::eq: return "eq";
    case ArgOp::ne: return "ne";
    case ArgOp::lt: return "lt";
    case ArgOp::le: return "le";
    case ArgOp::gt: return "gt";
    case ArgOp::ge: return "ge";
    case ArgOp::mask_all: return "mask_all";
    case ArgOp::mask_any: return "mask_any";
    case ArgOp::mask_none: return "mask_none";
    case ArgOp::in: return "in";
  }
  return "?";
}

void Policy::Impl::index_rules() {
  move_guard = std::any_of(rules.begin(), rules.end(), [](const Rule& r) {
    return (r.action == Action::deny || r.action == Action::kill) && !r.paths.empty();
  });
  for (auto& m : by_nr) m.clear();
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const Rule& r = rules[i];
    for (Abi abi : kAllAbis)
      if (const auto nr = r.nr[abi_index(abi)]) by_nr[abi_index(abi)][*nr].push_back(i);
    // A path rule on setxattr also governs lsetxattr and setxattrat: the same operation on the
    // same path, so a program cannot step around it by picking a sibling. Argument conditions
    // are positional and the siblings' positions differ: those rules stay on their own call.
    if (!r.has_path_conditions() || !r.args.empty()) continue;
    for (std::string_view sibling : path_family(r.syscall)) {
      if (sibling == r.syscall) continue;
      for (Abi abi : kAllAbis)
        if (const auto nr = syscall_nr(abi, sibling)) by_nr[abi_index(abi)][*nr].push_back(i);
    }
  }
}

Policy::Policy(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

// The policy's own rules for (abi, nr), in evaluation order.
RuleRange Policy::Impl::rules_for(Abi abi, std::int64_t nr) const {
  static const std::vector<std::size_t> kNone;
  const auto& index = by_nr[abi_index(abi)];
  const auto it = index.find(nr);
  return RuleRange{rules, it == index.end() ? kNone : it->second};
}

Verdict Policy::evaluate(const CallContext& ctx) const {
  const Impl& p = *impl_;
  if (!abi_allowed(ctx.call.abi)) return {Action::deny, p.err, &p.abi_ref};
  if (!p.allow_unknown && !syscall_known(ctx.call.abi, ctx.call.nr))
    return {Action::deny, ENOSYS, &p.unknown_ref};
  if (const Rule* r = first_match(p.rules_for(ctx.call.abi, ctx.call.nr), ctx))
    return {r->action, verdict_errno(r->action, r->err.value_or(p.err)), &r->ref};
  if (const auto v = promises_verdict(p, ctx)) return *v;
  return {p.default_action, verdict_errno(p.default_action, p.err), &p.default_ref};
}

namespace {

// Calls that give a file a new name, the first path being the file: what could carry a file
// out of a tree a deny rule names (rename's RENAME_EXCHANGE carries both ways).
bool is_move_call(Abi abi, std::int64_t nr) {
  static const std::vector<CallNumbers> kMoves = [] {
    std::vector<CallNumbers> v;
    for (std::string_view name : kMoveCalls) v.emplace_back(name);
    return v;
  }();
  return std::any_of(kMoves.begin(), kMoves.end(),
                     [&](const CallNumbers& c) { return c.on(abi) == nr; });
}

// Does `p` lie in the tree a stopping rule names (whatever the access), or above it (moving
// /srv moves /srv/secret)? An unreadable path counts as in it.
bool in_or_above_rule(const Rule& r, const PathArg& p) {
  if (p.err) return true;
  if (names_match(r, p)) return true;
  return std::any_of(r.paths.begin(), r.paths.end(), [&](const std::string& g) {
    const std::string prefix = glob_literal_prefix(g);
    return prefix.size() > p.path.size() && prefix.starts_with(p.path) &&
           (p.path == "/" || prefix[p.path.size()] == '/');
  });
}

}  // namespace

const Rule* Policy::moves_out_of_denied_tree(const CallContext& ctx) const {
  const Impl& p = *impl_;
  if (ctx.paths.size() != 2 || !is_move_call(ctx.call.abi, ctx.call.nr)) return nullptr;
  static const CallNumbers renameat2("renameat2");
  const bool exchange = renameat2.is(ctx.call) && (ctx.call.args[4] & RENAME_EXCHANGE);
  for (const Rule& r : p.rules) {
    if ((r.action != Action::deny && r.action != Action::kill) || r.paths.empty()) continue;
    const auto in_rule = [&](const PathArg& a) { return !a.err && names_match(r, a); };
    if (in_or_above_rule(r, ctx.paths[0]) && !in_rule(ctx.paths[1])) return &r;
    if (exchange && in_or_above_rule(r, ctx.paths[1]) && !in_rule(ctx.paths[0])) return &r;
  }
  return nullptr;
}

bool Policy::needs_paths(Abi abi, std::int64_t nr) const {
  const Impl& p = *impl_;
  if (!abi_allowed(abi)) return false;
  if (p.move_guard && is_move_call(abi, nr)) return true;
  if (xpledge::needs_paths(p.rules_for(abi, nr))) return true;
  return p.promises && PromiseCatalogue::builtin().needs_paths(*p.promises, abi, nr);
}

bool Policy::allows_unconditionally(Abi abi, std::int64_t nr) const {
  const Impl& p = *impl_;
  if (!abi_allowed(abi)) return false;
  if (p.move_guard && is_move_call(abi, nr)) return false;
  if (!p.allow_unknown && !syscall_known(abi, nr)) return false;
  switch (unconditional(p.rules_for(abi, nr))) {
    case Unconditional::stops: return false;
    case Unconditional::allows: return true;
    case Unconditional::undecided: break;
  }
  if (p.default_action == Action::allow) return true;
  return promises_allow_unconditionally(p, abi, nr);
}

// The policy's rules narrow what reaches its promises and default (rule_eval.hpp, narrow).
ArgAlternatives Policy::register_grants(Abi abi, std::int64_t nr) const {
  const Impl& p = *impl_;
  if (abi != Abi::x86_64 || !abi_allowed(abi)) return {};
  if (!p.allow_unknown && !syscall_known(abi, nr)) return {};
  if (p.move_guard && is_move_call(abi, nr)) return {};
  ArgAlternatives granted;
  ArgAlternatives open{{}};
  switch (narrow(p.rules_for(abi, nr), open, granted)) {
    case Narrowed::gave_up: return {};
    case Narrowed::closed: return granted;
    case Narrowed::open: break;
  }
  ArgAlternatives rest;
  if (p.default_action == Action::allow || promises_allow_unconditionally(p, abi, nr)) {
    rest = {{}};
  } else if (p.promises) {
    rest = PromiseCatalogue::builtin().register_grants(*p.promises, abi, nr);
  }
  append_alternatives(granted, conjoin(open, rest));
  return granted;
}

bool Policy::abi_allowed(Abi abi) const { return impl_->abis[abi_index(abi)]; }

int Policy::default_errno() const { return impl_->err; }

const std::string& Policy::source() const { return impl_->source; }

std::optional<PromiseSet> Policy::promises() const {
  if (!impl_->promises) return std::nullopt;
  return *impl_->promises;
}

Action Policy::pledge_violation() const { return impl_->pledge_violation; }

// ---- describe_policy (xpledge check) ----------------------------------------------------

namespace {

std::string describe_cond(const ArgCond& c) {
  std::string out = "arg" + std::to_string(c.index) + " " + std::string(arg_op_name(c.op)) + " ";
  if (c.op != ArgOp::in) return out + number_label(c.values.front());
  out += "{";
  for (std::size_t i = 0; i < c.values.size(); ++i)
    out += (i ? ", " : "") + number_label(c.values[i]);
  return out + "}";
}

// "openat if path /etc/** | /usr/** and access read, errno EACCES"
std::string describe_rule(const Rule& r) {
  std::vector<std::string> conds;
  if (!r.paths.empty()) {
    std::string p = "path ";
    for (std::size_t i = 0; i < r.paths.size(); ++i) p += (i ? " | " : "") + r.paths[i];
    conds.push_back(p);
  }
  if (r.access) conds.push_back("access " + std::string(access_name(*r.access)));
  for (const ArgCond& c : r.args) conds.push_back(describe_cond(c));
  std::string out = r.syscall;
  for (std::size_t i = 0; i < conds.size(); ++i) out += (i ? " and " : " if ") + conds[i];
  if (r.err) out += ", errno " + errno_name(*r.err);
  return out;
}

std::string describe_abi(const Policy::Impl& p, Abi abi) {
  std::string out = std::string(abi_name(abi)) + ":\n";
  for (Action a : {Action::kill, Action::deny, Action::log, Action::allow}) {
    std::vector<const Rule*> rules;
    for (const Rule& r : p.rules)
      if (r.action == a && r.nr[abi_index(abi)]) rules.push_back(&r);
    if (rules.empty()) continue;
    std::stable_sort(rules.begin(), rules.end(),
                     [](const Rule* x, const Rule* y) { return x->syscall < y->syscall; });
    out += "  " + std::string(action_name(a)) + ":\n";
    for (const Rule* r : rules) out += "    " + describe_rule(*r) + "  [" + r->ref.describe() + "]\n";
  }
  return out;
}

}  // namespace

std::string describe_policy(const Policy& policy) {
  const Policy::Impl& p = policy.impl();
  std::string out = "policy: " + p.source + "\n";
  out += "default: " + std::string(action_name(p.default_action));
  if (p.default_action == Action::deny) out += " (errno " + errno_name(p.err) + ")";
  out += "\nerrno: " + errno_name(p.err) + "\n";
  out += "abis:";
  for (Abi abi : kAllAbis)
    if (policy.abi_allowed(abi)) out += " " + std::string(abi_name(abi));
  out += "\npromises: ";
  out += p.promises ? PromiseCatalogue::builtin().format(*p.promises) : std::string("(none)");
  out += "\npledge violation: " + std::string(action_name(p.pledge_violation)) + "\n";
  out += "unknown syscalls: ";
  out += p.allow_unknown ? std::string("allow (unknown: allow)")
                         : std::string("deny (errno ENOSYS, logged once per number)");
  out += "; named: libseccomp " + libseccomp_version() + " + Linux " +
         std::string(syscall_tables_release()) + " supplement\n";
  for (Abi abi : kAllAbis) {
    out += "\n";
    if (policy.abi_allowed(abi))
      out += describe_abi(p, abi);
    else
      out += std::string(abi_name(abi)) + ": not allowed (every call denied, errno " +
             errno_name(p.err) + ")\n";
  }
  return out;
}

}  // namespace xpledge
