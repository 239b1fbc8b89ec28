#include "policy_load.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <tuple>

#include "abi_index.hpp"
#include "constants.hpp"
#include "errno_names.hpp"
#include "numbers.hpp"
#include "path_match.hpp"
#include "promises.hpp"
#include "suggest.hpp"
#include "syscalls.hpp"
#include "loader.hpp"
#include "name_hints.hpp"
#include "policy_text.hpp"

namespace xpledge {

namespace {

constexpr int kSupportedVersion = 1;
constexpr int kMaxArgIndex = 5;

// ---- small helpers -------------------------------------------------------------------------

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

constexpr std::array kOps{ArgOp::eq, ArgOp::ne, ArgOp::lt, ArgOp::le, ArgOp::gt,
                          ArgOp::ge, ArgOp::mask_all, ArgOp::mask_any, ArgOp::mask_none, ArgOp::in};

}  // namespace

// ---- top-level settings --------------------------------------------------------------------

void Loader::read_version(const KeyMap& m, const YAML::Node& root) {
  const auto it = m.find("version");
  if (it == m.end()) {
    error(pos_of(root), "missing required key 'version' (add 'version: " +
                            std::to_string(kSupportedVersion) + "')");
    return;
  }
  const YAML::Node& v = it->second.value;
  if (!expect(v, YAML::NodeType::Scalar, "'version'")) return;
  if (v.Scalar() != std::to_string(kSupportedVersion))
    error(pos_of(v), "unsupported policy version " + squote(v.Scalar()) +
                         " (this xpledge supports version " + std::to_string(kSupportedVersion) +
                         ")");
}

void Loader::read_default(const KeyMap& m, const YAML::Node& root, Policy::Impl& p) {
  const auto it = m.find("default");
  if (it == m.end()) {
    error(pos_of(root), "missing required key 'default' (one of allow, deny, kill)");
    return;
  }
  const YAML::Node& v = it->second.value;
  if (!expect(v, YAML::NodeType::Scalar, "'default'")) return;
  const std::string& s = v.Scalar();
  if (s == "allow") p.default_action = Action::allow;
  else if (s == "deny") p.default_action = Action::deny;
  else if (s == "kill") p.default_action = Action::kill;
  else {
    error(pos_of(v), "'default' must be one of allow, deny, kill; got " + squote(s));
    return;
  }
  p.default_ref.pos = pos_of(v);
}

std::optional<int> Loader::read_errno_value(const YAML::Node& n) {
  if (!expect(n, YAML::NodeType::Scalar, "'errno'")) return std::nullopt;
  const std::string& s = n.Scalar();
  if (s.empty() || (s.front() >= '0' && s.front() <= '9') || s.front() == '-') {
    const auto v = parse_number(s);
    if (v && *v >= 1 && *v <= kMaxErrno) return static_cast<int>(*v);
    error(pos_of(n), "'errno' must be between 1 and " + std::to_string(kMaxErrno) + ", got " + s);
    return std::nullopt;
  }
  if (const auto e = errno_from_name(s)) return e;
  // full() first: errno_names() (4095 lookups) is built before hint() could skip it.
  error(pos_of(n), "unknown errno " + squote(s) + (full() ? "" : hint(s, errno_names())));
  return std::nullopt;
}

void Loader::read_abis(const KeyMap& m, Policy::Impl& p) {
  p.abis = {};
  const auto it = m.find("abis");
  if (it == m.end()) {
    p.abis[abi_index(Abi::x86_64)] = true;
    return;
  }
  p.abi_ref.pos = it->second.pos;
  const YAML::Node& seq = it->second.value;
  if (!expect(seq, YAML::NodeType::Sequence, "'abis'")) return;
  if (seq.size() == 0) error(pos_of(seq), "'abis': empty list (every call would be denied)");
  for (const YAML::Node& n : seq) {
    if (!expect(n, YAML::NodeType::Scalar, "'abis' entry")) continue;
    const std::string& s = n.Scalar();
    const bool known = std::any_of(kAllAbis.begin(), kAllAbis.end(),
                                   [&](Abi a) { return abi_name(a) == s; });
    if (!known) {
      error(pos_of(n), "unknown ABI " + squote(s) + " (expected x86_64, i386 or x32)");
      continue;
    }
    p.abis[abi_index(*abi_from_name(s))] = true;
  }
}

// `unknown: allow | deny`: what a syscall number this build does not name gets (ENOSYS unless
// allowed explicitly; see syscalls.hpp).
void Loader::read_unknown(const KeyMap& m, Policy::Impl& p) {
  const auto it = m.find("unknown");
  if (it == m.end()) return;
  const YAML::Node& n = it->second.value;
  if (!expect(n, YAML::NodeType::Scalar, "'unknown'")) return;
  p.unknown_ref.pos = pos_of(n);
  if (n.Scalar() == "allow") p.allow_unknown = true;
  else if (n.Scalar() == "deny") p.allow_unknown = false;
  else error(pos_of(n), "'unknown' must be allow or deny; got " + squote(n.Scalar()));
}

void Loader::read_promises(const KeyMap& m, Policy::Impl& p) {
  const auto it = m.find("promises");
  if (it == m.end()) return;
  p.promises_ref.pos = it->second.pos;
  const YAML::Node& seq = it->second.value;
  if (!expect(seq, YAML::NodeType::Sequence, "'promises'")) return;
  const PromiseCatalogue& cat = PromiseCatalogue::builtin();
  std::vector<std::string> names;
  for (std::size_t id = 0; id < cat.size(); ++id) names.push_back(cat.name(id));
  PromiseSet set;
  for (const YAML::Node& n : seq) {
    if (full()) break;
    if (!expect(n, YAML::NodeType::Scalar, "'promises' entry")) continue;
    if (const auto id = cat.find(n.Scalar()))
      set.add(*id);
    else
      error(pos_of(n), "unknown promise " + squote(n.Scalar()) + hint(n.Scalar(), names));
  }
  p.promises = std::make_shared<const PromiseSet>(set);
}

void Loader::read_pledge(const KeyMap& m, Policy::Impl& p) {
  const auto it = m.find("pledge");
  if (it == m.end()) return;
  const auto keys = read_map(it->second.value, kPledgeKeys, "'pledge'");
  if (!keys) return;
  const auto v = keys->find("violation");
  if (v == keys->end()) return;
  const YAML::Node& n = v->second.value;
  if (!expect(n, YAML::NodeType::Scalar, "'violation'")) return;
  if (n.Scalar() == "deny") p.pledge_violation = Action::deny;
  else if (n.Scalar() == "kill") p.pledge_violation = Action::kill;
  else error(pos_of(n), "'violation' must be deny or kill; got " + squote(n.Scalar()));
}

// ---- rules -----------------------------------------------------------------------------------

bool Loader::resolve_syscall(const YAML::Node& n, Rule& r) {
  r.syscall = n.Scalar();
  bool any = false;
  for (Abi abi : kAllAbis) {
    r.nr[abi_index(abi)] = syscall_nr(abi, r.syscall);
    any = any || r.nr[abi_index(abi)].has_value();
  }
  if (!any)
    error(pos_of(n),
          "unknown syscall " + squote(r.syscall) + hint(r.syscall, all_syscall_names()));
  return any;
}

void Loader::read_paths(const KeyEntry& e, Rule& r) {
  for (const YAML::Node& n : scalar_or_list(e.value, "'path'")) {
    if (const auto why = glob_error(n.Scalar()))
      error(pos_of(n), *why);
    else
      r.paths.push_back(n.Scalar());
  }
}

void Loader::read_access(const KeyEntry& e, Rule& r) {
  if (!expect(e.value, YAML::NodeType::Scalar, "'access'")) return;
  r.access = access_from_name(e.value.Scalar());
  if (!r.access)
    error(pos_of(e.value), "'access' must be one of read, write, create, exec; got " +
                               squote(e.value.Scalar()));
}

// A number, a constant name, or several joined by '|' (O_WRONLY|O_CREAT).
std::optional<std::uint64_t> Loader::read_value(const YAML::Node& n) {
  if (!expect(n, YAML::NodeType::Scalar, "'value'")) return std::nullopt;
  std::uint64_t out = 0;
  std::string_view rest = n.Scalar();
  while (true) {
    const std::size_t bar = rest.find('|');
    const std::string_view term = trim(rest.substr(0, bar));
    const bool looks_numeric = !term.empty() && (std::isdigit(static_cast<unsigned char>(term[0])) || term[0] == '-');
    std::optional<std::uint64_t> v = looks_numeric ? parse_number(term) : constant_value(term);
    if (!v) {
      error(pos_of(n), looks_numeric || term.empty()
                           ? "bad value " + squote(term) + " (expected a number or a constant name)"
                           : "unknown constant " + squote(term) +
                                 (full() ? "" : hint(term, constant_names())));  // as errno
      return std::nullopt;
    }
    out |= *v;
    if (bar == std::string_view::npos) return out;
    rest = rest.substr(bar + 1);
  }
}

std::optional<std::uint8_t> Loader::read_arg_index(const YAML::Node& n) {
  if (!expect(n, YAML::NodeType::Scalar, "'index'")) return std::nullopt;
  const auto i = parse_number(n.Scalar());
  if (i && *i <= kMaxArgIndex) return static_cast<std::uint8_t>(*i);
  error(pos_of(n), "'index' must be 0 to 5, got " + squote(n.Scalar()));
  return std::nullopt;
}

std::optional<ArgOp> Loader::read_arg_op(const YAML::Node& n) {
  if (!expect(n, YAML::NodeType::Scalar, "'op'")) return std::nullopt;
  const auto found = std::find_if(kOps.begin(), kOps.end(),
                                  [&](ArgOp o) { return arg_op_name(o) == n.Scalar(); });
  if (found != kOps.end()) return *found;
  std::vector<std::string_view> names;
  for (ArgOp o : kOps) names.push_back(arg_op_name(o));
  error(pos_of(n), "unknown op " + squote(n.Scalar()) + hint(n.Scalar(), names) +
                       " (expected eq, ne, lt, le, gt, ge, mask_all, mask_any, mask_none, in)");
  return std::nullopt;
}

// One value, or for `in` a non-empty list of them.
std::optional<std::vector<std::uint64_t>> Loader::read_arg_values(const YAML::Node& n, ArgOp op) {
  if (op != ArgOp::in && n.IsSequence()) {
    error(pos_of(n), squote(arg_op_name(op)) + " takes one value (use op: in for a list)");
    return std::nullopt;
  }
  if (op == ArgOp::in && (!n.IsSequence() || n.size() == 0)) {
    error(pos_of(n), "'in' takes a non-empty list of values, got " + kind_of(n));
    return std::nullopt;
  }
  std::vector<YAML::Node> items;
  if (op == ArgOp::in)
    for (const YAML::Node& item : n) items.push_back(item);
  else
    items.push_back(n);
  std::vector<std::uint64_t> out;
  bool ok = true;
  for (const YAML::Node& item : items) {
    const auto v = read_value(item);
    if (v) out.push_back(*v);
    ok = ok && v.has_value();
  }
  if (!ok) return std::nullopt;
  return out;
}

// {index: N, op: OP (default eq), value: V or [V...]}
std::optional<ArgCond> Loader::read_arg(const YAML::Node& n) {
  const auto keys = read_map(n, kArgKeys, "'args' entry");
  if (!keys) return std::nullopt;
  for (const char* required : {"index", "value"}) {
    if (!keys->contains(required)) {
      error(pos_of(n), std::string("'args' entry: missing required key '") + required + "'");
      return std::nullopt;
    }
  }
  const auto index = read_arg_index(keys->at("index").value);
  std::optional<ArgOp> op = ArgOp::eq;
  if (keys->contains("op")) op = read_arg_op(keys->at("op").value);
  if (!op) return std::nullopt;
  auto values = read_arg_values(keys->at("value").value, *op);
  if (!index || !values) return std::nullopt;
  return ArgCond{*index, *op, std::move(*values)};
}

void Loader::read_args(const KeyEntry& e, Rule& r) {
  if (!expect(e.value, YAML::NodeType::Sequence, "'args'")) return;
  for (const YAML::Node& n : e.value)
    if (auto c = read_arg(n)) r.args.push_back(std::move(*c));
}

// {syscall: NAME, path: ..., access: ..., args: [...], errno: E}
bool Loader::read_rule_map(const YAML::Node& n, Rule& r) {
  const std::string what = squote(action_name(r.action)) + " entry";
  const auto keys = read_map(n, kRuleKeys, what);
  if (!keys) return false;
  const std::size_t errors_before = errors_;
  const auto sc = keys->find("syscall");
  if (sc == keys->end()) {
    error(pos_of(n), what + ": missing required key 'syscall'");
    return false;
  }
  if (!expect(sc->second.value, YAML::NodeType::Scalar, "'syscall'")) return false;
  const bool resolved = resolve_syscall(sc->second.value, r);
  if (const auto it = keys->find("path"); it != keys->end()) read_paths(it->second, r);
  if (const auto it = keys->find("access"); it != keys->end()) read_access(it->second, r);
  if (const auto it = keys->find("args"); it != keys->end()) read_args(it->second, r);
  if (const auto it = keys->find("errno"); it != keys->end()) {
    if (r.action != Action::deny)
      error(it->second.pos, "'errno' applies only to deny rules, not to " +
                                squote(action_name(r.action)));
    else
      r.err = read_errno_value(it->second.value);
  }
  const bool path_keys = keys->contains("path") || keys->contains("access");
  const SyscallSig* sig = syscall_sig(r.syscall);
  if (resolved && path_keys && (!sig || sig->path_args().empty())) {
    const auto it = keys->contains("path") ? keys->find("path") : keys->find("access");
    error(it->second.pos, squote(it->first) + " needs a syscall that takes a path; " +
                              squote(r.syscall) + " does not");
  }
  return resolved && errors_ == errors_before;
}

std::optional<Rule> Loader::read_entry(const YAML::Node& n, Action action, std::size_t index) {
  Rule r;
  r.action = action;
  r.ref = RuleRef{std::string(action_name(action)), index, pos_of(n)};
  if (n.IsMap()) {
    if (!read_rule_map(n, r)) return std::nullopt;
    return r;
  }
  if (!n.IsScalar()) {
    error(pos_of(n), squote(action_name(action)) + " entry: expected a syscall name or a map, got " +
                         kind_of(n));
    return std::nullopt;
  }
  if (!resolve_syscall(n, r)) return std::nullopt;
  return r;
}

void Loader::read_lists(const KeyMap& m, Lists& lists) {
  for (Action action : kListOrder) {
    const auto it = m.find(std::string(action_name(action)));
    if (it == m.end()) continue;
    const YAML::Node& seq = it->second.value;
    if (seq.IsNull()) continue;  // "allow:" with nothing under it: an empty list
    if (!expect(seq, YAML::NodeType::Sequence, squote(action_name(action)))) continue;
    std::size_t index = 0;
    for (const YAML::Node& entry : seq) {
      if (full()) return;
      if (auto r = read_entry(entry, action, index)) lists[list_slot(action)].push_back(std::move(*r));
      ++index;
    }
  }
}

Policy Loader::load(std::string_view yaml, const std::string& file) {
  file_ = file;
  auto impl = std::make_shared<Policy::Impl>();
  impl->source = file;
  impl->err = EPERM;
  impl->abis[abi_index(Abi::x86_64)] = true;
  for (RuleRef* ref : {&impl->default_ref, &impl->abi_ref, &impl->promises_ref, &impl->unknown_ref})
    ref->pos = {file, 0, 0};

  std::error_code ec;
  stack_display_ = {file};
  stack_real_ = {std::filesystem::weakly_canonical(file, ec)};
  const auto root = parse_yaml(yaml);
  if (root) {
    if (!root->IsDefined() || root->IsNull()) {
      error({file, 1, 1}, "empty policy: expected a map with 'version' and 'default'");
    } else if (const auto keys = read_map(*root, kTopKeys, "policy")) {
      read_version(*keys, *root);
      read_default(*keys, *root, *impl);
      if (const auto it = keys->find("errno"); it != keys->end())
        if (const auto e = read_errno_value(it->second.value)) impl->err = *e;
      read_abis(*keys, *impl);
      read_unknown(*keys, *impl);
      read_promises(*keys, *impl);
      read_pledge(*keys, *impl);
      Lists lists;
      read_rules(*keys, lists);
      for (auto& l : lists)
        for (auto& r : l) impl->rules.push_back(std::move(r));
    }
  }
  if (!diags_.empty()) throw PolicyError(take_diagnostics());
  impl->index_rules();
  return Policy(std::move(impl));
}

// ---- public API ----------------------------------------------------------------------------

Policy load_policy_string(std::string_view yaml, const std::string& name) {
  return Loader().load(yaml, name);
}

Policy load_policy_file(const std::string& path) {
  const PolicyText text = read_top_level_policy(path);
  switch (text.problem) {
    case PolicyText::Problem::none: break;
    case PolicyText::Problem::unreadable:
      throw PolicyError({Diagnostic{
          {path, 0, 0}, "cannot read policy: " + std::string(std::strerror(text.err))}});
    case PolicyText::Problem::not_regular:  // not checked for the top-level policy
      throw PolicyError({Diagnostic{{path, 0, 0}, "policy file is not a regular file"}});
    case PolicyText::Problem::too_big:
      throw PolicyError({Diagnostic{
          {path, 0, 0}, "policy file larger than " + std::string(kMaxPolicySize)}});
  }
  return load_policy_string(text.text, path);
}

}  // namespace xpledge
