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

namespace xpledge::embedded {
extern const std::string_view default_policy_yaml;
}

namespace xpledge {

namespace {

constexpr int kSupportedVersion = 1;
constexpr std::size_t kMaxDiagnostics = 20;
// A policy file (top-level or included) is read up to this size; real ones are a few KB. Bounds
// what a hostile policy can make the loader parse (docs/SECURITY.md, F4).
constexpr std::size_t kMaxPolicyBytes = std::size_t{1} << 20;
constexpr std::string_view kMaxPolicySize = "1 MiB";
constexpr int kMaxArgIndex = 5;

// ---- small helpers -------------------------------------------------------------------------

std::string squote(std::string_view s) { return "'" + std::string(s) + "'"; }

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

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Every ABI's syscall names, in kAllAbis order, for closest().
const std::vector<std::string_view>& all_syscall_names() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (Abi a : kAllAbis)
      for (const std::string& n : syscall_names(a)) out.push_back(n);
    return out;
  }();
  return names;
}


constexpr std::array kOps{ArgOp::eq, ArgOp::ne, ArgOp::lt, ArgOp::le, ArgOp::gt,
                          ArgOp::ge, ArgOp::mask_all, ArgOp::mask_any, ArgOp::mask_none, ArgOp::in};

// ---- reading policy files -------------------------------------------------------------------

// A file descriptor, closed at scope exit.
class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// A policy file's text, or why there is none (the caller words the message).
struct PolicyText {
  enum class Problem { none, unreadable, not_regular, too_big };
  std::string text;
  Problem problem = Problem::none;
  int err = 0;  // errno, for Problem::unreadable
};

PolicyText unreadable(int err) { return {{}, PolicyText::Problem::unreadable, err}; }

// Reads fd to its end, but never more than kMaxPolicyBytes + 1 bytes (/dev/zero ends here too).
PolicyText read_capped(int fd) {
  PolicyText out;
  std::array<char, 64 * 1024> buf;
  while (true) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return unreadable(errno);
    if (n == 0) return out;
    out.text.append(buf.data(), static_cast<std::size_t>(n));
    if (out.text.size() > kMaxPolicyBytes) return {{}, PolicyText::Problem::too_big, 0};
  }
}

// The top-level policy: any readable file, as the command line may name /dev/stdin or a
// process substitution (a pipe), which block until written: the user asked for that.
PolicyText read_top_level_policy(const std::string& path) {
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOCTTY | O_CLOEXEC));
  if (fd.get() < 0) return unreadable(errno);
  return read_capped(fd.get());
}

// An included policy: a regular file only, as a policy file can name any path and /dev/zero
// would be read forever, a FIFO or /dev/stdin would block. stat() first so that a device is
// never opened (opening one can have effects); O_NONBLOCK and fstat() for a file replaced by a
// FIFO or device in between.
PolicyText read_included_policy(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return unreadable(errno);
  if (!S_ISREG(st.st_mode)) return {{}, PolicyText::Problem::not_regular, 0};
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (fd.get() < 0) return unreadable(errno);
  if (::fstat(fd.get(), &st) != 0) return unreadable(errno);
  if (!S_ISREG(st.st_mode)) return {{}, PolicyText::Problem::not_regular, 0};
  if (static_cast<std::uintmax_t>(st.st_size) > kMaxPolicyBytes)
    return {{}, PolicyText::Problem::too_big, 0};
  return read_capped(fd.get());
}

// ---- the loader ----------------------------------------------------------------------------

struct KeyEntry {
  SourcePos pos;  // of the key
  YAML::Node value;
};
using KeyMap = std::map<std::string, KeyEntry>;

// Rule lists in evaluation order.
constexpr std::array kListOrder{Action::kill, Action::deny, Action::log, Action::allow};
using Lists = std::array<std::vector<Rule>, kListOrder.size()>;

std::size_t list_slot(Action a) {
  return static_cast<std::size_t>(std::find(kListOrder.begin(), kListOrder.end(), a) -
                                  kListOrder.begin());
}

constexpr std::string_view kTopKeys[] = {"version", "default", "errno", "abis", "unknown",
                                         "promises", "pledge", "include", "allow", "deny",
                                         "kill", "log"};
// Keys only the top-level policy may set; an included file contributes rules only.
constexpr std::string_view kTopOnlyKeys[] = {"default", "errno", "abis", "unknown", "promises",
                                             "pledge"};
constexpr std::string_view kRuleKeys[] = {"syscall", "path", "access", "args", "errno"};
constexpr std::string_view kArgKeys[] = {"index", "op", "value"};
constexpr std::string_view kPledgeKeys[] = {"violation"};

class Loader {
 public:
  Policy load(std::string_view yaml, const std::string& file);

 private:
  // Diagnostics and positions (in the file being read now).
  void error(const SourcePos& pos, std::string message);
  // The diagnostic cap is reached: nothing more is collected, so reading further is pointless.
  bool full() const { return diags_.size() >= kMaxDiagnostics; }
  // " (did you mean 'x'?)", or empty; not computed once the cap is reached.
  template <typename Range>
  std::string hint(std::string_view word, const Range& candidates) const {
    return full() ? std::string() : did_you_mean(closest(word, candidates));
  }
  SourcePos pos_of(const YAML::Node& n) const;
  bool expect(const YAML::Node& n, YAML::NodeType::value type, std::string_view what);
  std::optional<YAML::Node> parse_yaml(std::string_view yaml);
  std::optional<KeyMap> read_map(const YAML::Node& n, std::span<const std::string_view> keys,
                                 std::string_view what);
  std::vector<YAML::Node> scalar_or_list(const YAML::Node& n, std::string_view what);

  // Top-level settings.
  void read_version(const KeyMap& m, const YAML::Node& root);
  void read_default(const KeyMap& m, const YAML::Node& root, Policy::Impl& p);
  void read_abis(const KeyMap& m, Policy::Impl& p);
  void read_unknown(const KeyMap& m, Policy::Impl& p);
  void read_promises(const KeyMap& m, Policy::Impl& p);
  void read_pledge(const KeyMap& m, Policy::Impl& p);
  std::optional<int> read_errno_value(const YAML::Node& n);

  // Rules, from this file and its includes.
  void read_rules(const KeyMap& m, Lists& lists);
  void read_lists(const KeyMap& m, Lists& lists);
  void read_includes(const KeyMap& m, Lists& lists);
  void include_file(const YAML::Node& entry, Lists& lists);
  std::optional<Rule> read_entry(const YAML::Node& n, Action action, std::size_t index);
  bool read_rule_map(const YAML::Node& n, Rule& r);
  bool resolve_syscall(const YAML::Node& n, Rule& r);
  void read_paths(const KeyEntry& e, Rule& r);
  void read_access(const KeyEntry& e, Rule& r);
  void read_args(const KeyEntry& e, Rule& r);
  std::optional<ArgCond> read_arg(const YAML::Node& n);
  std::optional<std::uint8_t> read_arg_index(const YAML::Node& n);
  std::optional<ArgOp> read_arg_op(const YAML::Node& n);
  std::optional<std::vector<std::uint64_t>> read_arg_values(const YAML::Node& n, ArgOp op);
  std::optional<std::uint64_t> read_value(const YAML::Node& n);

  std::string file_;                               // the file being read, as displayed
  std::vector<std::string> stack_display_;         // include chain, as displayed
  std::vector<std::filesystem::path> stack_real_;  // include chain, canonical (for cycles)
  std::vector<Diagnostic> diags_;  // the first kMaxDiagnostics errors
  std::size_t errors_ = 0;         // all errors, also those past the cap
};

void Loader::error(const SourcePos& pos, std::string message) {
  ++errors_;
  if (!full()) diags_.push_back({pos, std::move(message)});
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

// A map's keys, checked: each a known scalar key, none twice. yaml-cpp keeps duplicate keys and
// node["k"] returns the first, so the map is walked here.
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
      error(kpos, "unknown key " + squote(key) + hint(key, keys));
      continue;
    }
    if (const auto prev = out.find(key); prev != out.end()) {
      error(kpos, "duplicate key " + squote(key) + " (first at " +
                      std::to_string(prev->second.pos.line) + ":" +
                      std::to_string(prev->second.pos.col) + ")");
      continue;
    }
    out.emplace(key, KeyEntry{kpos, it->second});
  }
  return out;
}

// `key: x` or `key: [x, y]`: the scalars, each checked.
std::vector<YAML::Node> Loader::scalar_or_list(const YAML::Node& n, std::string_view what) {
  std::vector<YAML::Node> out;
  if (n.IsScalar()) {
    out.push_back(n);
    return out;
  }
  if (!n.IsSequence()) {
    error(pos_of(n), std::string(what) + ": expected a scalar or a sequence, got " + kind_of(n));
    return out;
  }
  if (n.size() == 0) error(pos_of(n), std::string(what) + ": empty list");
  for (const YAML::Node& item : n)
    if (expect(item, YAML::NodeType::Scalar, std::string(what) + " entry")) out.push_back(item);
  return out;
}

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

void Loader::include_file(const YAML::Node& entry, Lists& lists) {
  namespace fs = std::filesystem;
  const SourcePos at = pos_of(entry);
  // The built-in default policy's rules (its settings stay its own): what `xpledge learn`
  // starts from, so that a learned allow-list keeps the default's denies and argument limits.
  const bool builtin = entry.Scalar() == kBuiltinDefault;
  const fs::path display = builtin ? fs::path("<default>")
                                   : (fs::path(file_).parent_path() / entry.Scalar()).lexically_normal();
  std::error_code ec;
  const fs::path real = builtin ? display : fs::weakly_canonical(display, ec);
  if (std::find(stack_real_.begin(), stack_real_.end(), real) != stack_real_.end()) {
    std::string chain;
    const auto first = std::find(stack_real_.begin(), stack_real_.end(), real) - stack_real_.begin();
    for (auto i = static_cast<std::size_t>(first); i < stack_display_.size(); ++i)
      chain += stack_display_[i] + " -> ";
    error(at, "include cycle: " + chain + display.string());
    return;
  }
  const PolicyText text = builtin ? PolicyText{std::string(embedded::default_policy_yaml)}
                                  : read_included_policy(display);
  switch (text.problem) {
    case PolicyText::Problem::none: break;
    case PolicyText::Problem::unreadable:
      error(at, "cannot read included policy " + squote(display.string()) + ": " +
                    std::strerror(text.err));
      return;
    case PolicyText::Problem::not_regular:
      error(at, "include " + squote(display.string()) + " is not a regular file");
      return;
    case PolicyText::Problem::too_big:
      error(at, "include " + squote(display.string()) + " is larger than " +
                    std::string(kMaxPolicySize));
      return;
  }

  const std::string saved = file_;
  file_ = display.string();
  stack_display_.push_back(file_);
  stack_real_.push_back(real);
  if (const auto root = parse_yaml(text.text)) {
    if (root->IsNull() || !root->IsDefined()) {
      error({file_, 1, 1}, "empty policy: expected a map with 'version'");
    } else if (const auto keys = read_map(*root, kTopKeys, "policy")) {
      read_version(*keys, *root);
      for (std::string_view k : kTopOnlyKeys)
        if (const auto it = keys->find(std::string(k)); it != keys->end() && !builtin)
          error(it->second.pos, squote(k) + " can only be set in the top-level policy, not in an "
                                            "included file");
      read_rules(*keys, lists);
    }
  }
  stack_real_.pop_back();
  stack_display_.pop_back();
  file_ = saved;
}

void Loader::read_includes(const KeyMap& m, Lists& lists) {
  const auto it = m.find("include");
  if (it == m.end()) return;
  if (!expect(it->second.value, YAML::NodeType::Sequence, "'include'")) return;
  for (const YAML::Node& n : it->second.value) {
    if (full()) return;
    if (expect(n, YAML::NodeType::Scalar, "'include' entry")) include_file(n, lists);
  }
}

// This file's own rules first, then its includes' in order: within a list the first match
// wins, so the including (more specific) file's rule is the one that decides.
void Loader::read_rules(const KeyMap& m, Lists& lists) {
  read_lists(m, lists);
  read_includes(m, lists);
}

// Errors in the order a reader meets them: the settings are read key by key (version, default,
// errno...), not in file order. Per file in the order the files were first named, then by line
// and column; a position-less error first in its file.
std::vector<Diagnostic> sorted(std::vector<Diagnostic> diags) {
  std::vector<std::string> files;
  for (const auto& d : diags)
    if (std::find(files.begin(), files.end(), d.pos.file) == files.end()) files.push_back(d.pos.file);
  const auto rank = [&](const Diagnostic& d) {
    return std::tuple(std::find(files.begin(), files.end(), d.pos.file) - files.begin(),
                      d.pos.line, d.pos.col);
  };
  std::stable_sort(diags.begin(), diags.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return rank(a) < rank(b); });
  return diags;
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
  if (!diags_.empty()) throw PolicyError(sorted(std::move(diags_)));
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

Policy load_default_policy() {
  return load_policy_string(embedded::default_policy_yaml, "<default>");
}

}  // namespace xpledge
