#include "promises.hpp"

#include <fcntl.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <map>
#include <stdexcept>
#include <unordered_map>

#include "abi_index.hpp"
#include "constants.hpp"
#include "numbers.hpp"
#include "syscalls.hpp"

namespace xpledge {

namespace embedded {
extern const std::string_view promises_yaml;
}

namespace {

enum class CondKind : std::uint8_t { all, none, only, in, max };

struct Cond {
  std::uint8_t arg = 0;
  CondKind kind = CondKind::all;
  std::uint64_t bits = 0;             // all/none/only: the mask; in: bits ignored; max: the bound
  std::vector<std::uint64_t> values;  // in
  bool self = false;                  // in: also the caller's process id
};

struct Grant {
  std::size_t promise = 0;
  std::vector<Cond> conds;
  std::uint8_t open_classes = 0;  // bit (1 << Access) per allowed class; 0 = no open limit
  std::int8_t open_flags_arg = -1;
  std::vector<std::string> paths;
  bool unconditional() const { return conds.empty() && open_classes == 0 && paths.empty(); }
};

// What the catalogue says about one (abi, nr).
struct CallRules {
  bool always = false;
  bool enosys = false;
  std::vector<std::uint32_t> rules;  // indices into Impl::rules, in catalogue order
};

}  // namespace

struct PromiseCatalogue::Impl {
  std::vector<std::string> names;
  std::vector<std::string> helps;
  std::vector<bool> narrow;                       // per promise: suggested last
  std::vector<std::vector<PromiseRule>> written;  // per promise, as written
  std::vector<Grant> rules;                        // all promises' rules, in catalogue order
  std::vector<std::string> always;
  std::vector<std::string> enosys;
  std::array<std::vector<std::pair<std::string, std::string>>, kAllAbis.size()> aliases;
  std::array<std::unordered_map<std::int64_t, CallRules>, kAllAbis.size()> by_nr;

  const CallRules* find(Abi abi, std::int64_t nr) const {
    const auto& m = by_nr[abi_index(abi)];
    const auto it = m.find(nr);
    return it == m.end() ? nullptr : &it->second;
  }
};

namespace {

// ---- loading ----------------------------------------------------------------------------------

[[noreturn]] void fail(const YAML::Node& at, const std::string& what) {
  const auto mark = at.Mark();
  throw std::runtime_error("promises.yaml:" + std::to_string(mark.line + 1) + ":" +
                           std::to_string(mark.column + 1) + ": " + what);
}

std::string scalar(const YAML::Node& n, const std::string& what) {
  if (!n.IsScalar()) fail(n, "expected " + what);
  return n.Scalar();
}

std::uint64_t constant(const YAML::Node& n) {
  const std::string s = scalar(n, "a number or a constant name");
  if (const auto v = constant_value(s)) return *v;
  if (const auto v = parse_number(s)) return *v;
  fail(n, "unknown constant '" + s + "'");
}

std::string join_names(const YAML::Node& list) {
  std::string out;
  for (const auto& v : list) out += (out.empty() ? "" : ", ") + v.Scalar();
  return "{" + out + "}";
}

Cond parse_cond(std::uint8_t arg, const std::string& key, const YAML::Node& v,
                const YAML::Node& ignore, std::string& text) {
  Cond c;
  c.arg = arg;
  const std::string argname = "arg" + std::to_string(arg);
  if (key == "max") {
    c.kind = CondKind::max;
    c.bits = constant(v);
    text = argname + " <= " + v.Scalar();
    return c;
  }
  if (!v.IsSequence() || v.size() == 0) fail(v, "expected a non-empty list after '" + key + "'");
  if (key == "in") {
    c.kind = CondKind::in;
    for (const auto& x : v) {
      if (x.IsScalar() && x.Scalar() == "self")
        c.self = true;
      else
        c.values.push_back(constant(x));
    }
    if (ignore) {
      if (!ignore.IsSequence()) fail(ignore, "expected a list of bits after 'ignore'");
      for (const auto& x : ignore) c.bits |= constant(x);
      text = argname + " & ~" + join_names(ignore) + " in " + join_names(v);
    } else {
      text = argname + " in " + join_names(v);
    }
    return c;
  }
  if (key == "all") c.kind = CondKind::all;
  else if (key == "none") c.kind = CondKind::none;
  else if (key == "only") c.kind = CondKind::only;
  else fail(v, "unknown condition '" + key + "' (expected all, none, only, in, ignore, max)");
  for (const auto& x : v) c.bits |= constant(x);
  text = argname + " " + key + " " + join_names(v);
  return c;
}

std::uint8_t parse_open(const YAML::Node& v, std::string& text) {
  std::vector<YAML::Node> items;
  if (v.IsSequence())
    for (const auto& x : v) items.push_back(x);
  else
    items.push_back(v);
  std::uint8_t classes = 0;
  for (const auto& x : items) {
    const std::string s = scalar(x, "read, write or create");
    Access a;
    if (s == "read") a = Access::read;
    else if (s == "write") a = Access::write;
    else if (s == "create") a = Access::create;
    else fail(x, "unknown open class '" + s + "' (expected read, write or create)");
    classes = static_cast<std::uint8_t>(classes | (1u << static_cast<unsigned>(a)));
    text += (text.empty() ? "open " : "|") + s;
  }
  if (items.empty()) fail(v, "expected read, write or create after 'open'");
  return classes;
}

void parse_entry(const YAML::Node& e, std::size_t promise, PromiseCatalogue::Impl& impl,
                 std::map<std::string, std::vector<std::uint32_t>>& by_name) {
  Grant rule;
  rule.promise = promise;
  PromiseRule written;
  if (e.IsScalar()) {
    written.syscall = e.Scalar();
  } else if (e.IsMap()) {
    if (!e["syscall"]) fail(e, "expected 'syscall: NAME' in an entry with limits");
    written.syscall = scalar(e["syscall"], "a syscall name");
    std::vector<std::string> parts;
    for (const auto& kv : e) {
      const std::string key = scalar(kv.first, "a key");
      const YAML::Node& v = kv.second;
      if (key == "syscall") continue;
      if (key == "open") {
        const SyscallSig* sig = syscall_sig(written.syscall);
        if (!sig || sig->npaths == 0 || sig->paths[0].use != PathUse::open ||
            sig->paths[0].flags_arg < 0)
          fail(kv.first, "'open' limits only calls with open flags, not " + written.syscall);
        std::string text;
        rule.open_classes = parse_open(v, text);
        rule.open_flags_arg = sig->paths[0].flags_arg;
        parts.push_back(text);
      } else if (key == "path") {
        if (!v.IsSequence() || v.size() == 0) fail(v, "expected a non-empty list of paths");
        std::string text = "path";
        for (const auto& p : v) {
          const std::string s = scalar(p, "an absolute path");
          if (s.empty() || s.front() != '/') fail(p, "expected an absolute path, got '" + s + "'");
          rule.paths.push_back(s);
          text += " " + s;
        }
        parts.push_back(text);
      } else if (key.size() == 4 && key.compare(0, 3, "arg") == 0 && key[3] >= '0' &&
                 key[3] <= '5') {
        const auto arg = static_cast<std::uint8_t>(key[3] - '0');
        if (!v.IsMap()) fail(v, "expected a map of conditions after '" + key + "'");
        const YAML::Node ignore = v["ignore"];
        if (ignore && !v["in"]) fail(ignore, "'ignore' goes with 'in'");
        for (const auto& ckv : v) {
          const std::string ck = scalar(ckv.first, "a condition");
          if (ck == "ignore") continue;
          std::string text;
          rule.conds.push_back(parse_cond(arg, ck, ckv.second, ignore, text));
          parts.push_back(text);
        }
      } else {
        fail(kv.first, "unknown key '" + key + "' (expected syscall, open, path, arg0..arg5)");
      }
    }
    if (parts.empty()) fail(e, "an entry with no limits is written as the bare syscall name");
    for (const auto& p : parts) written.limits += (written.limits.empty() ? "" : "; ") + p;
  } else {
    fail(e, "expected a syscall name or a map with 'syscall:'");
  }
  by_name[written.syscall].push_back(static_cast<std::uint32_t>(impl.rules.size()));
  impl.rules.push_back(std::move(rule));
  impl.written[promise].push_back(std::move(written));
}

std::vector<std::string> name_list(const YAML::Node& n, const std::string& key) {
  std::vector<std::string> out;
  if (!n) return out;
  if (!n.IsSequence()) fail(n, "expected a list of syscall names after '" + key + "'");
  for (const auto& x : n) out.push_back(scalar(x, "a syscall name"));
  return out;
}

// Number -> rules per ABI. Calls are governed by name: the ABI's name, through aliases:, is
// looked up among the x86-64 names the catalogue uses.
void index_abis(PromiseCatalogue::Impl& impl,
                const std::map<std::string, std::vector<std::uint32_t>>& by_name) {
  for (Abi abi : kAllAbis) {
    std::map<std::string, std::string> alias(impl.aliases[abi_index(abi)].begin(),
                                             impl.aliases[abi_index(abi)].end());
    for (const KnownSyscall& known : known_syscalls(abi)) {
      const std::int64_t nr = known.nr;
      std::string name = known.name;
      if (const auto a = alias.find(name); a != alias.end()) name = a->second;
      if (name.empty()) continue;  // never granted on this ABI
      CallRules cr;
      cr.always = std::find(impl.always.begin(), impl.always.end(), name) != impl.always.end();
      cr.enosys = std::find(impl.enosys.begin(), impl.enosys.end(), name) != impl.enosys.end();
      if (const auto r = by_name.find(name); r != by_name.end()) cr.rules = r->second;
      if (cr.always || cr.enosys || !cr.rules.empty()) impl.by_nr[abi_index(abi)][nr] = cr;
    }
  }
}

std::shared_ptr<PromiseCatalogue::Impl> load(std::string_view yaml) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    throw std::runtime_error("promises.yaml:" + std::to_string(e.mark.line + 1) + ":" +
                             std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  if (!root.IsMap()) fail(root, "expected a map with always, enosys, aliases, promises");
  auto impl = std::make_shared<PromiseCatalogue::Impl>();
  for (const auto& kv : root) {
    const std::string key = scalar(kv.first, "a key");
    if (key != "always" && key != "enosys" && key != "aliases" && key != "promises")
      fail(kv.first, "unknown key '" + key + "' (expected always, enosys, aliases, promises)");
  }
  impl->always = name_list(root["always"], "always");
  impl->enosys = name_list(root["enosys"], "enosys");
  if (const auto aliases = root["aliases"]) {
    if (!aliases.IsMap()) fail(aliases, "expected a map of ABIs after 'aliases'");
    for (const auto& kv : aliases) {
      const auto abi = abi_from_name(scalar(kv.first, "an ABI name"));
      if (!abi) fail(kv.first, "unknown ABI '" + kv.first.Scalar() + "' (expected i386, x32)");
      if (!kv.second.IsMap()) fail(kv.second, "expected a map name: x86_64 name | ~");
      for (const auto& a : kv.second)
        impl->aliases[abi_index(*abi)].emplace_back(
            scalar(a.first, "a syscall name"), a.second.IsNull() ? "" : scalar(a.second, "a syscall name or ~"));
    }
  }
  const auto promises = root["promises"];
  if (!promises || !promises.IsSequence()) fail(root, "expected a list after 'promises'");
  if (promises.size() > kMaxPromises)
    fail(promises, "more than " + std::to_string(kMaxPromises) + " promises");
  std::map<std::string, std::vector<std::uint32_t>> by_name;
  for (const auto& p : promises) {
    if (!p.IsMap()) fail(p, "expected a promise: name, help, syscalls");
    for (const auto& kv : p) {
      const std::string key = scalar(kv.first, "a key");
      if (key != "name" && key != "help" && key != "narrow" && key != "syscalls")
        fail(kv.first, "unknown key '" + key + "' (expected name, help, narrow, syscalls)");
    }
    if (!p["name"] || !p["help"] || !p["syscalls"]) fail(p, "a promise needs name, help and syscalls");
    const std::string name = scalar(p["name"], "a promise name");
    if (std::find(impl->names.begin(), impl->names.end(), name) != impl->names.end())
      fail(p["name"], "promise '" + name + "' listed twice");
    impl->names.push_back(name);
    impl->helps.push_back(scalar(p["help"], "a one-line help"));
    bool narrow = false;
    if (const auto n = p["narrow"]; n && !YAML::convert<bool>::decode(n, narrow))
      fail(n, "expected true or false after 'narrow'");
    impl->narrow.push_back(narrow);
    impl->written.emplace_back();
    const auto syscalls = p["syscalls"];
    if (!syscalls.IsSequence()) fail(syscalls, "expected a list after 'syscalls'");
    for (const auto& e : syscalls) parse_entry(e, impl->names.size() - 1, *impl, by_name);
  }
  index_abis(*impl, by_name);
  return impl;
}

// ---- checking ---------------------------------------------------------------------------------

// The access class of an open: create (O_CREAT, O_TMPFILE), write (O_WRONLY, O_RDWR, O_TRUNC;
// also the ioctl-only access mode 3), or read.
Access open_access(std::uint64_t flags) {
  if (flags & (O_CREAT | kKernelTmpfileBit)) return Access::create;
  if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC)) return Access::write;
  return Access::read;
}

int access_rank(Access a) {
  switch (a) {
    case Access::read: return 0;
    case Access::write: return 1;
    case Access::create: return 2;
    case Access::exec: return 0;  // not an open class
  }
  return 0;
}

bool path_matches(std::string_view pattern, std::string_view path) {
  if (pattern.size() >= 3 && pattern.substr(pattern.size() - 3) == "/**") {
    const std::string_view dir = pattern.substr(0, pattern.size() - 3);
    return path == dir || (path.size() > dir.size() && path.substr(0, dir.size()) == dir &&
                           path[dir.size()] == '/');
  }
  return path == pattern;
}

bool cond_holds(const Cond& c, const std::array<std::uint64_t, 6>& args,
                std::int64_t caller_tgid) {
  const std::uint64_t v = args[c.arg];
  switch (c.kind) {
    case CondKind::all: return (v & c.bits) == c.bits;
    case CondKind::none: return (v & c.bits) == 0;
    case CondKind::only: return (v & ~c.bits) == 0;
    case CondKind::max: return v <= c.bits;
    case CondKind::in: {
      const std::uint64_t m = v & ~c.bits;
      if (c.self && caller_tgid > 0 && m == static_cast<std::uint64_t>(caller_tgid)) return true;
      return std::find(c.values.begin(), c.values.end(), m) != c.values.end();
    }
  }
  return false;
}

bool rule_matches(const Grant& r, const CallContext& ctx, std::int64_t caller_tgid) {
  for (const auto& c : r.conds)
    if (!cond_holds(c, ctx.call.args, caller_tgid)) return false;
  if (r.open_classes) {
    Access a = open_access(ctx.call.args[static_cast<std::size_t>(r.open_flags_arg)]);
    // The tracer's own reading of the flags, if any, can only make the class stricter.
    for (const auto& p : ctx.paths)
      if (access_rank(p.access) > access_rank(a)) a = p.access;
    if (!(r.open_classes & (1u << static_cast<unsigned>(a)))) return false;
  }
  if (!r.paths.empty()) {
    if (ctx.paths.empty()) return false;
    for (const auto& p : ctx.paths) {
      if (p.err != 0) return false;
      if (std::none_of(r.paths.begin(), r.paths.end(),
                       [&](const std::string& pat) { return path_matches(pat, p.path); }))
        return false;
    }
  }
  return true;
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
  return PromiseCatalogue(load(yaml));
}

const PromiseCatalogue& PromiseCatalogue::builtin() {
  static const PromiseCatalogue catalogue = from_yaml(embedded::promises_yaml);
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
  for (const auto i : cr->rules) {
    const Grant& r = impl_->rules[i];
    if (set.has(r.promise) && rule_matches(r, ctx, caller_tgid)) {
      out.allowed = true;
      return out;
    }
  }
  if (cr->enosys) out.fixed_errno = ENOSYS;
  // The promise to suggest: one whose entry would allow this call, preferring promises that are
  // not narrow variants of others and entries without path limits ("socket needs inet", not
  // "needs dns"), then catalogue order.
  int best_rank = INT_MAX;
  for (const auto i : cr->rules) {
    const Grant& r = impl_->rules[i];
    const int rank = (impl_->narrow[r.promise] ? 2 : 0) + (r.paths.empty() ? 0 : 1);
    if (rank < best_rank && rule_matches(r, ctx, caller_tgid)) {
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
  if (cr->always) return true;
  return std::any_of(cr->rules.begin(), cr->rules.end(), [&](std::uint32_t i) {
    const Grant& r = impl_->rules[i];
    return set.has(r.promise) && r.unconditional();
  });
}

namespace {

// A condition other than `in` as one register test (cond_holds, test by test).
ArgTest mask_test(const Cond& c) {
  switch (c.kind) {
    case CondKind::all: return {c.arg, false, c.bits, c.bits};
    case CondKind::none: return {c.arg, false, c.bits, 0};
    case CondKind::only: return {c.arg, false, ~c.bits, 0};
    case CondKind::max: return {c.arg, true, ~0ull, c.bits};
    case CondKind::in: break;
  }
  return {c.arg, false, 0, 0};  // `in` is never asked for here
}

}  // namespace

ArgAlternatives PromiseCatalogue::register_grants(const PromiseSet& set, Abi abi,
                                                                    std::int64_t nr) const {
  ArgAlternatives out;
  const CallRules* cr = impl_->find(abi, nr);
  if (!cr || cr->always) return out;
  for (const auto i : cr->rules) {
    const Grant& r = impl_->rules[i];
    if (!set.has(r.promise) || r.unconditional() || r.open_classes || !r.paths.empty()) continue;
    // cond_holds, test by test; one `in` becomes one alternative per value.
    std::vector<ArgTest> fixed;
    const Cond* in = nullptr;
    bool ok = true;
    for (const Cond& c : r.conds) {
      if (c.kind != CondKind::in) {
        fixed.push_back(mask_test(c));
        continue;
      }
      if (c.self || in) ok = false;  // the pid is known only at the stop; no products
      in = &c;
    }
    if (!ok) continue;
    if (!in) {
      out.push_back(std::move(fixed));
      continue;
    }
    for (const std::uint64_t v : in->values) {
      if (v & in->bits) continue;  // cond_holds compares after masking: this one never matches
      auto alt = fixed;
      alt.push_back({in->arg, false, ~in->bits, v});
      out.push_back(std::move(alt));
    }
  }
  return out;
}

namespace {

// open_access as flag tests: the alternatives under which the flags fall in one of `classes`.
ArgAlternatives open_class_tests(unsigned arg, std::uint8_t classes) {
  constexpr std::uint64_t kCreate = O_CREAT | kKernelTmpfileBit;
  ArgAlternatives out;
  auto has = [&](Access a) { return (classes & (1u << static_cast<unsigned>(a))) != 0; };
  if (has(Access::read)) out.push_back({{arg, false, kCreate | O_ACCMODE | O_TRUNC, 0}});
  if (has(Access::write)) {
    for (std::uint64_t mode = 1; mode <= O_ACCMODE; ++mode)
      out.push_back({{arg, false, kCreate | O_ACCMODE, mode}});
    out.push_back({{arg, false, kCreate | O_TRUNC, O_TRUNC}});
  }
  if (has(Access::create)) {
    out.push_back({{arg, false, O_CREAT, O_CREAT}});
    out.push_back({{arg, false, kKernelTmpfileBit, kKernelTmpfileBit}});
  }
  return out;
}

}  // namespace

ArgAlternatives PromiseCatalogue::kernel_grants(const PromiseSet& set, Abi abi,
                                                std::int64_t nr) const {
  ArgAlternatives out;
  const CallRules* cr = impl_->find(abi, nr);
  if (!cr || cr->always) return out;
  for (const auto i : cr->rules) {
    const Grant& r = impl_->rules[i];
    if (!set.has(r.promise) || r.unconditional() || !r.paths.empty()) continue;
    ArgAlternatives alts{{}};
    auto conjoin_with = [&](const ArgAlternatives& more) {
      ArgAlternatives next;
      for (const auto& a : alts)
        for (const auto& b : more) {
          auto c = a;
          c.insert(c.end(), b.begin(), b.end());
          next.push_back(std::move(c));
        }
      alts = std::move(next);
    };
    for (const Cond& c : r.conds) {
      if (c.kind != CondKind::in) {
        conjoin_with({{mask_test(c)}});
        continue;
      }
      ArgAlternatives any;
      for (const std::uint64_t v : c.values)
        if (!(v & c.bits)) any.push_back({{c.arg, false, ~c.bits, v}});
      if (c.self) any.push_back({{c.arg, false, ~c.bits, 0, true}});
      conjoin_with(any);
    }
    if (r.open_classes)
      conjoin_with(open_class_tests(static_cast<unsigned>(r.open_flags_arg), r.open_classes));
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
  for (std::uint32_t i : cr->rules) {
    const Grant& r = impl_->rules[i];
    if (set.has(r.promise)) out.grants.push_back({r.open_classes, r.paths, !r.conds.empty()});
  }
  return out;
}

bool PromiseCatalogue::needs_paths(const PromiseSet& set, Abi abi, std::int64_t nr) const {
  const CallRules* cr = impl_->find(abi, nr);
  if (!cr || cr->always) return false;
  return std::any_of(cr->rules.begin(), cr->rules.end(), [&](std::uint32_t i) {
    const Grant& r = impl_->rules[i];
    return set.has(r.promise) && !r.paths.empty();
  });
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
