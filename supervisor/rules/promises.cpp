#include "promises.hpp"

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "abi_index.hpp"
#include "arg_grants.hpp"
#include "promise_impl.hpp"
#include "promise_table.hpp"
#include "rule_eval.hpp"
#include "syscalls.hpp"

namespace xpledge {

const CallRules* PromiseCatalogue::Impl::find(Abi abi, std::int64_t nr) const {
  const auto& m = by_nr[abi_index(abi)];
  const auto it = m.find(nr);
  return it == m.end() ? nullptr : &it->second;
}

namespace {

// The rules of a set for one (abi, nr), for the one rule engine (rule_eval.hpp).
RuleRange range_of(const PromiseCatalogue::Impl& impl, const CallRules& cr, const PromiseSet& set) {
  return RuleRange{impl.rules, cr.rules, &set};
}

void wrap_words(std::string& out, const std::vector<std::string>& words, std::string_view indent) {
  constexpr std::size_t kWidth = 100;
  std::size_t col = 0;
  for (const auto& w : words) {
    if (col == 0) {
      out += indent;
      col = indent.size();
    } else if (col + 1 + w.size() > kWidth) {
      out += "\n";
      out += indent;
      col = indent.size();
    } else {
      out += ' ';
      ++col;
    }
    out += w;
    col += w.size();
  }
  if (col) out += '\n';
}

}  // namespace

// ---- PromiseCatalogue -------------------------------------------------------------------------

PromiseCatalogue PromiseCatalogue::from_yaml(std::string_view yaml) {
  return PromiseCatalogue(load_promise_catalogue(yaml));
}

// From the tables gen_promise_table wrote at build time: parsing the YAML took 1-2 ms of every
// start-up with promises (bench/RESULTS.md, issue 21).
const PromiseCatalogue& PromiseCatalogue::builtin() {
  static const PromiseCatalogue catalogue(catalogue_from_table(builtin_promise_table()));
  return catalogue;
}

std::size_t PromiseCatalogue::size() const { return impl_->names.size(); }

std::optional<std::size_t> PromiseCatalogue::find(std::string_view name) const {
  const auto it = std::find(impl_->names.begin(), impl_->names.end(), name);
  if (it == impl_->names.end()) return std::nullopt;
  return static_cast<std::size_t>(it - impl_->names.begin());
}

const std::string& PromiseCatalogue::name(std::size_t id) const { return impl_->names.at(id); }
const std::string& PromiseCatalogue::help(std::size_t id) const { return impl_->helps.at(id); }

std::optional<PromiseSet> PromiseCatalogue::parse(std::string_view promises,
                                                  std::string* bad) const {
  PromiseSet set;
  std::size_t i = 0;
  while (i < promises.size()) {
    if (promises[i] == ' ' || promises[i] == '\t') {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < promises.size() && promises[j] != ' ' && promises[j] != '\t') ++j;
    const std::string_view word = promises.substr(i, j - i);
    const auto id = find(word);
    if (!id) {
      if (bad) *bad = std::string(word);
      return std::nullopt;
    }
    set.add(*id);
    i = j;
  }
  return set;
}

std::string PromiseCatalogue::format(const PromiseSet& set) const {
  std::string out;
  for (std::size_t id = 0; id < size(); ++id)
    if (set.has(id)) out += (out.empty() ? "" : " ") + impl_->names[id];
  return out;
}

PromiseCheck PromiseCatalogue::check(const PromiseSet& set, const CallContext& ctx) const {
  return check(set, ctx, 0);
}

PromiseCheck PromiseCatalogue::check(const PromiseSet& set, const CallContext& ctx,
                                     std::int64_t caller_tgid) const {
  PromiseCheck out;
  const CallRules* cr = impl_->find(ctx.call.abi, ctx.call.nr);
  if (!cr) {
    // A number this build does not name: ENOSYS, as the policy answers it (policy.cpp), not a
    // violation (which may kill): a program probing a newer kernel's call falls back.
    if (!syscall_known(ctx.call.abi, ctx.call.nr)) out.fixed_errno = ENOSYS;
    return out;
  }
  if (cr->always) {
    out.allowed = true;
    return out;
  }
  CallContext as_caller = ctx;
  as_caller.tgid = caller_tgid;  // 0 or less: limits naming `self` fail closed
  if (first_match(range_of(*impl_, *cr, set), as_caller)) {
    out.allowed = true;
    return out;
  }
  if (cr->enosys) out.fixed_errno = ENOSYS;
  // The promise to suggest: one whose entry would allow this call, preferring promises that are
  // not narrow variants of others and entries without path limits ("socket needs inet", not
  // "needs dns"), then catalogue order.
  int best_rank = INT_MAX;
  for (const std::size_t i : cr->rules) {
    const Rule& r = impl_->rules[i];
    const int rank = (impl_->narrow[r.promise] ? 2 : 0) + (r.reads_memory() ? 1 : 0);
    if (rank < best_rank && rule_matches(r, as_caller)) {
      best_rank = rank;
      out.needed = impl_->names[r.promise];
    }
  }
  return out;
}

bool PromiseCatalogue::allows_unconditionally(const PromiseSet& set, Abi abi,
                                              std::int64_t nr) const {
  const CallRules* cr = impl_->find(abi, nr);
  if (!cr) return false;
  return cr->always || unconditional(range_of(*impl_, *cr, set)) == Unconditional::allows;
}

ArgAlternatives PromiseCatalogue::register_grants(const PromiseSet& set, Abi abi,
                                                  std::int64_t nr) const {
  ArgAlternatives granted;
  const CallRules* cr = impl_->find(abi, nr);
  if (!cr || cr->always) return granted;
  ArgAlternatives open{{}};
  narrow(range_of(*impl_, *cr, set), open, granted);
  return granted;
}

namespace {

// Each alternative of `a` with each of `b`, tests side by side (an argument may be tested twice).
ArgAlternatives product(const ArgAlternatives& a, const ArgAlternatives& b) {
  ArgAlternatives out;
  for (const auto& x : a)
    for (const auto& y : b) {
      auto both = x;
      both.insert(both.end(), y.begin(), y.end());
      out.push_back(std::move(both));
    }
  return out;
}

// One limit as the filter libxpledge builds for itself tests it: permitted_by's tests, and for
// `in: [self]` a test whose value is the caller's pid, filled in when the filter is built.
ArgAlternatives kernel_tests(const ArgCond& c) {
  ArgAlternatives any = permitted_by(c);
  if (c.self) any.push_back({{c.index, false, ~c.ignore, 0, true}});
  return any;
}

}  // namespace

ArgAlternatives PromiseCatalogue::kernel_grants(const PromiseSet& set, Abi abi,
                                                std::int64_t nr) const {
  ArgAlternatives out;
  const CallRules* cr = impl_->find(abi, nr);
  if (!cr || cr->always) return out;
  for (const std::size_t i : cr->rules) {
    const Rule& r = impl_->rules[i];
    // Paths and addresses are in memory, which a kernel filter cannot read: left out.
    if (!set.has(r.promise) || !r.conditional() || r.reads_memory()) continue;
    ArgAlternatives alts{{}};
    for (const ArgCond& c : r.args) alts = product(alts, kernel_tests(c));
    if (r.open_classes)
      alts = product(alts, open_class_alternatives(static_cast<unsigned>(r.open_flags_arg),
                                                   r.open_classes));
    out.insert(out.end(), alts.begin(), alts.end());
  }
  return out;
}

PromiseCatalogue::CallGrants PromiseCatalogue::call_grants(const PromiseSet& set, Abi abi,
                                                           std::int64_t nr) const {
  CallGrants out;
  const CallRules* cr = impl_->find(abi, nr);
  if (!cr) return out;
  out.always = cr->always;
  for (const std::size_t i : cr->rules) {
    const Rule& r = impl_->rules[i];
    if (set.has(r.promise)) out.grants.push_back({r.open_classes, r.paths, !r.args.empty()});
  }
  return out;
}

bool PromiseCatalogue::needs_paths(const PromiseSet& set, Abi abi, std::int64_t nr) const {
  const CallRules* cr = impl_->find(abi, nr);
  if (!cr || cr->always) return false;
  return xpledge::needs_paths(range_of(*impl_, *cr, set));
}

std::string PromiseCatalogue::describe(std::optional<std::size_t> only) const {
  std::string out;
  if (!only) {
    out += "always allowed:";
    for (const auto& n : impl_->always) out += " " + n;
    out += "\nnever granted, answered ENOSYS (libc falls back):";
    for (const auto& n : impl_->enosys) out += " " + n;
    out += "\n";
  }
  for (std::size_t id = 0; id < size(); ++id) {
    if (only && *only != id) continue;
    if (!out.empty()) out += "\n";
    out += impl_->names[id] + ": " + impl_->helps[id] + "\n";
    std::vector<std::string> plain;
    std::vector<const PromiseRule*> limited;
    for (const auto& r : impl_->written[id]) {
      if (r.limits.empty())
        plain.push_back(r.syscall);
      else
        limited.push_back(&r);
    }
    if (plain.empty() && limited.empty()) out += "  (no system calls)\n";
    wrap_words(out, plain, "  ");
    for (const auto* r : limited) out += "  " + r->syscall + " if " + r->limits + "\n";
  }
  return out;
}

const std::vector<PromiseRule>& PromiseCatalogue::rules(std::size_t id) const {
  return impl_->written.at(id);
}
const std::vector<std::string>& PromiseCatalogue::always_allowed() const { return impl_->always; }
const std::vector<std::string>& PromiseCatalogue::enosys_calls() const { return impl_->enosys; }
const std::vector<std::pair<std::string, std::string>>& PromiseCatalogue::aliases(Abi abi) const {
  return impl_->aliases[abi_index(abi)];
}

}  // namespace xpledge
