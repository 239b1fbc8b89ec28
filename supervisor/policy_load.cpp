#include "policy_load.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "syscalls.hpp"

namespace xpledge::embedded {
extern const std::string_view default_policy_yaml;
}

namespace xpledge {

namespace {

constexpr int kSupportedVersion = 1;
constexpr std::size_t kMaxDiagnostics = 20;
constexpr int kMaxErrno = 4095;  // the kernel's MAX_ERRNO

// ---- small helpers -------------------------------------------------------------------------

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string kind_of(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null: return "null";
    case YAML::NodeType::Scalar: return "a scalar";
    case YAML::NodeType::Sequence: return "a sequence";
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Undefined: break;
  }
  return "nothing";
}

// Optimal-string-alignment distance (a transposition is one edit).
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1,
                          d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

// The closest candidate within one edit (short words) or two, or empty.
template <typename Range>
std::string closest(std::string_view word, const Range& candidates) {
  std::string best;
  std::size_t best_d = (word.size() <= 4 ? 1 : 2) + 1;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = std::string(c);
    }
  }
  return best;
}

std::string did_you_mean(const std::string& suggestion) {
  return suggestion.empty() ? "" : " (did you mean " + quoted(suggestion) + "?)";
}

std::vector<std::string> errno_names() {
  std::vector<std::string> out;
  for (int e = 1; e <= kMaxErrno; ++e)
    if (const char* n = strerrorname_np(e)) out.emplace_back(n);
  return out;
}

std::optional<int> errno_from_name(std::string_view name) {
  for (int e = 1; e <= kMaxErrno; ++e)
    if (const char* n = strerrorname_np(e); n && name == n) return e;
  return std::nullopt;
}

std::optional<long long> parse_integer(const std::string& s) {
  if (s.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 0);
  if (errno != 0 || *end != '\0') return std::nullopt;
  return v;
}

constexpr std::size_t abi_index(Abi abi) { return static_cast<std::size_t>(abi); }

// ---- the loader ----------------------------------------------------------------------------

struct KeyEntry {
  SourcePos pos;      // of the key
  YAML::Node value;
};
using KeyMap = std::map<std::string, KeyEntry>;

// Rule lists in evaluation order.
constexpr std::array kListOrder{Action::kill, Action::deny, Action::log, Action::allow};

std::size_t list_slot(Action a) {
  return static_cast<std::size_t>(std::find(kListOrder.begin(), kListOrder.end(), a) -
                                  kListOrder.begin());
}

class Loader {
 public:
  Policy load(std::string_view yaml, const std::string& file);

 private:
  void error(const SourcePos& pos, std::string message);
  SourcePos pos_of(const YAML::Node& n) const;
  std::optional<YAML::Node> parse_yaml(std::string_view yaml);
  std::optional<KeyMap> read_map(const YAML::Node& n, std::span<const std::string_view> keys,
                                 std::string_view what);
  bool expect(const YAML::Node& n, YAML::NodeType::value type, std::string_view what);

  void read_version(const KeyMap& m, const YAML::Node& root);
  void read_default(const KeyMap& m, const YAML::Node& root, Policy::Impl& p);
  void read_errno(const KeyMap& m, Policy::Impl& p);
  void read_abis(const KeyMap& m, Policy::Impl& p);
  void read_lists(const KeyMap& m, std::array<std::vector<Rule>, kListOrder.size()>& lists);
  std::optional<Rule> read_entry(const YAML::Node& n, Action action, std::size_t index);
  bool resolve_syscall(const YAML::Node& n, Rule& r);
  std::optional<int> read_errno_value(const YAML::Node& n);

  std::string file_;
  std::vector<Diagnostic> diags_;
};

void Loader::error(const SourcePos& pos, std::string message) {
  if (diags_.size() < kMaxDiagnostics) diags_.push_back({pos, std::move(message)});
}

SourcePos Loader::pos_of(const YAML::Node& n) const {
  const YAML::Mark m = n.Mark();
  if (m.is_null()) return {file_, 0, 0};
  return {file_, m.line + 1, m.column + 1};
}

std::optional<YAML::Node> Loader::parse_yaml(std::string_view yaml) {
  try {
    return YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    const SourcePos pos = e.mark.is_null() ? SourcePos{file_, 0, 0}
                                           : SourcePos{file_, e.mark.line + 1, e.mark.column + 1};
    error(pos, "invalid YAML: " + e.msg);
    return std::nullopt;
  }
}

bool Loader::expect(const YAML::Node& n, YAML::NodeType::value type, std::string_view what) {
  if (n.Type() == type) return true;
  const char* want = type == YAML::NodeType::Sequence ? "a sequence"
                     : type == YAML::NodeType::Map    ? "a map"
                                                      : "a scalar";
  error(pos_of(n), std::string(what) + ": expected " + want + ", got " + kind_of(n));
  return false;
}

// A map's keys, checked: each a known scalar key, none twice.
std::optional<KeyMap> Loader::read_map(const YAML::Node& n, std::span<const std::string_view> keys,
                                       std::string_view what) {
  if (!expect(n, YAML::NodeType::Map, what)) return std::nullopt;
  KeyMap out;
  for (auto it = n.begin(); it != n.end(); ++it) {
    const SourcePos kpos = pos_of(it->first);
    if (!it->first.IsScalar()) {
      error(kpos, std::string(what) + ": expected a key name, got " + kind_of(it->first));
      continue;
    }
    const std::string key = it->first.Scalar();
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      error(kpos, "unknown key " + quoted(key) + did_you_mean(closest(key, keys)));
      continue;
    }
    if (const auto prev = out.find(key); prev != out.end()) {
      error(kpos, "duplicate key " + quoted(key) + " (first at " +
                      std::to_string(prev->second.pos.line) + ":" +
                      std::to_string(prev->second.pos.col) + ")");
      continue;
    }
    out.emplace(key, KeyEntry{kpos, it->second});
  }
  return out;
}

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
    error(pos_of(v), "unsupported policy version " + quoted(v.Scalar()) +
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
    error(pos_of(v), "'default' must be one of allow, deny, kill; got " + quoted(s));
    return;
  }
  p.default_ref.pos = pos_of(v);
}

std::optional<int> Loader::read_errno_value(const YAML::Node& n) {
  if (!expect(n, YAML::NodeType::Scalar, "'errno'")) return std::nullopt;
  const std::string& s = n.Scalar();
  if (const auto v = parse_integer(s)) {
    if (*v >= 1 && *v <= kMaxErrno) return static_cast<int>(*v);
    error(pos_of(n), "'errno' must be between 1 and " + std::to_string(kMaxErrno) + ", got " + s);
    return std::nullopt;
  }
  if (const auto e = errno_from_name(s)) return e;
  error(pos_of(n), "unknown errno " + quoted(s) + did_you_mean(closest(s, errno_names())));
  return std::nullopt;
}

void Loader::read_errno(const KeyMap& m, Policy::Impl& p) {
  p.err = EPERM;
  if (const auto it = m.find("errno"); it != m.end())
    if (const auto e = read_errno_value(it->second.value)) p.err = *e;
}

void Loader::read_abis(const KeyMap& m, Policy::Impl& p) {
  p.abis = {};
  const auto it = m.find("abis");
  if (it == m.end()) {
    p.abis[abi_index(Abi::x86_64)] = true;
    return;
  }
  const YAML::Node& seq = it->second.value;
  if (!expect(seq, YAML::NodeType::Sequence, "'abis'")) return;
  for (const YAML::Node& n : seq) {
    if (!expect(n, YAML::NodeType::Scalar, "'abis' entry")) continue;
    const std::string& s = n.Scalar();
    const bool known = std::any_of(kAllAbis.begin(), kAllAbis.end(),
                                   [&](Abi a) { return abi_name(a) == s; });
    if (!known) {
      error(pos_of(n), "unknown ABI " + quoted(s) + " (expected x86_64, i386 or x32)");
      continue;
    }
    p.abis[abi_index(*abi_from_name(s))] = true;
  }
}

bool Loader::resolve_syscall(const YAML::Node& n, Rule& r) {
  r.syscall = n.Scalar();
  bool any = false;
  for (Abi abi : kAllAbis) {
    r.nr[abi_index(abi)] = syscall_nr(abi, r.syscall);
    any = any || r.nr[abi_index(abi)].has_value();
  }
  if (!any) error(pos_of(n), "unknown syscall " + quoted(r.syscall) +
                                 did_you_mean(suggest_syscall(r.syscall)));
  return any;
}

std::optional<Rule> Loader::read_entry(const YAML::Node& n, Action action, std::size_t index) {
  Rule r;
  r.action = action;
  r.ref = RuleRef{std::string(action_name(action)), index, pos_of(n)};
  if (!n.IsScalar()) {
    error(pos_of(n), quoted(action_name(action)) + " entry: expected a syscall name or a map, got " +
                         kind_of(n));
    return std::nullopt;
  }
  if (!resolve_syscall(n, r)) return std::nullopt;
  return r;
}

void Loader::read_lists(const KeyMap& m, std::array<std::vector<Rule>, kListOrder.size()>& lists) {
  for (Action action : kListOrder) {
    const auto it = m.find(std::string(action_name(action)));
    if (it == m.end()) continue;
    const YAML::Node& seq = it->second.value;
    if (seq.IsNull()) continue;  // "allow:" with nothing under it: an empty list
    if (!expect(seq, YAML::NodeType::Sequence, quoted(action_name(action)))) continue;
    std::size_t index = 0;
    for (const YAML::Node& entry : seq) {
      if (auto r = read_entry(entry, action, index)) lists[list_slot(action)].push_back(std::move(*r));
      ++index;
    }
  }
}

constexpr std::string_view kTopKeys[] = {"version", "default", "errno", "abis",
                                         "allow",   "deny",    "kill",  "log"};

Policy Loader::load(std::string_view yaml, const std::string& file) {
  file_ = file;
  auto impl = std::make_shared<Policy::Impl>();
  impl->source = file;
  impl->default_ref.pos = {file, 0, 0};
  impl->abi_ref.pos = {file, 0, 0};
  impl->promises_ref.pos = {file, 0, 0};

  const auto root = parse_yaml(yaml);
  if (root) {
    if (!root->IsDefined() || root->IsNull()) {
      error({file, 1, 1}, "empty policy: expected a map with 'version' and 'default'");
    } else if (const auto keys = read_map(*root, kTopKeys, "policy")) {
      read_version(*keys, *root);
      read_default(*keys, *root, *impl);
      read_errno(*keys, *impl);
      read_abis(*keys, *impl);
      if (const auto it = keys->find("abis"); it != keys->end()) impl->abi_ref.pos = it->second.pos;
      std::array<std::vector<Rule>, kListOrder.size()> lists;
      read_lists(*keys, lists);
      for (auto& l : lists)
        for (auto& r : l) impl->rules.push_back(std::move(r));
    }
  }
  if (!diags_.empty()) throw PolicyError(std::move(diags_));
  impl->index_rules();
  return Policy(std::move(impl));
}

std::string join_diagnostics(const std::vector<Diagnostic>& diags) {
  std::string out;
  for (const auto& d : diags) {
    if (!out.empty()) out += '\n';
    out += d.format();
  }
  return out;
}

}  // namespace

// ---- public API ----------------------------------------------------------------------------

std::string Diagnostic::format() const {
  std::string out = pos.file;
  if (pos.line > 0) out += ":" + std::to_string(pos.line) + ":" + std::to_string(pos.col);
  return out + ": error: " + message;
}

PolicyError::PolicyError(std::vector<Diagnostic> diags)
    : std::runtime_error(join_diagnostics(diags)), diags_(std::move(diags)) {}

Policy load_policy_string(std::string_view yaml, const std::string& name) {
  return Loader().load(yaml, name);
}

Policy load_policy_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int e = errno;
    throw PolicyError({Diagnostic{{path, 0, 0}, "cannot read policy: " + std::string(std::strerror(e))}});
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load_policy_string(text.str(), path);
}

Policy load_default_policy() { return load_policy_string(embedded::default_policy_yaml, "<default>"); }

}  // namespace xpledge
