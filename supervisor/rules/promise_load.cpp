#include "promise_impl.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <stdexcept>

#include "abi_index.hpp"
#include "constants.hpp"
#include "numbers.hpp"
#include "path_match.hpp"
#include "syscalls.hpp"

namespace xpledge {

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

// A limit as the policy language's condition: all -> mask_all, none -> mask_none, only ->
// mask_none of the other bits, max -> le, in -> in (with `ignore` bits and `self`). Bits and
// bounds are unsigned 32-bit, `in` values also negative ints (sign-extended, as a register holds
// them): the one rule engine then reads each the same way on every ABI (rule_eval.hpp).
std::uint64_t value32(const YAML::Node& n, bool negative_ok = false) {
  const std::uint64_t v = constant(n);
  const bool ok = v <= 0xffffffffULL || (negative_ok && v >= 0xffffffff80000000ULL);
  if (!ok) fail(n, "expected a 32-bit value, got '" + n.Scalar() + "'");
  return v;
}

std::uint64_t bits_of(const YAML::Node& list) {
  std::uint64_t bits = 0;
  for (const auto& x : list) bits |= value32(x);
  return bits;
}

ArgCond parse_cond(std::uint8_t arg, const std::string& key, const YAML::Node& v,
                   const YAML::Node& ignore, std::string& text) {
  ArgCond c;
  c.index = arg;
  const std::string argname = "arg" + std::to_string(arg);
  if (key == "max") {
    c.op = ArgOp::le;
    c.values = {value32(v)};
    text = argname + " <= " + v.Scalar();
    return c;
  }
  if (!v.IsSequence() || v.size() == 0) fail(v, "expected a non-empty list after '" + key + "'");
  if (key == "in") {
    c.op = ArgOp::in;
    for (const auto& x : v) {
      if (x.IsScalar() && x.Scalar() == "self")
        c.self = true;
      else
        c.values.push_back(value32(x, true));
    }
    text = argname + " in " + join_names(v);
    if (!ignore) return c;
    if (!ignore.IsSequence()) fail(ignore, "expected a list of bits after 'ignore'");
    c.ignore = bits_of(ignore);
    text = argname + " & ~" + join_names(ignore) + " in " + join_names(v);
    return c;
  }
  if (key == "all") c.op = ArgOp::mask_all;
  else if (key == "none" || key == "only") c.op = ArgOp::mask_none;
  else fail(v, "unknown condition '" + key + "' (expected all, none, only, in, ignore, max)");
  const std::uint64_t bits = bits_of(v);
  c.values = {key == "only" ? ~bits : bits};
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

// `addr: [COND...]` on a call that names a socket address (sock_addr.hpp), or `control: none`
// on sendmsg: no control message, so no SCM_RIGHTS (that is sendfd's).
std::string parse_addr_limit(const std::string& syscall, const YAML::Node& key,
                             const YAML::Node& v, Rule& rule) {
  static const std::vector<std::string> kAddrCalls{"bind", "connect", "sendmsg", "sendto"};
  if (key.Scalar() == "control") {
    if (syscall != "sendmsg") fail(key, "'control' limits only sendmsg, not " + syscall);
    if (scalar(v, "none") != "none") fail(v, "expected 'none' after 'control'");
    rule.no_control = true;
    return "no control message";
  }
  if (std::find(kAddrCalls.begin(), kAddrCalls.end(), syscall) == kAddrCalls.end())
    fail(key, "'addr' limits only bind, connect, sendmsg and sendto, not " + syscall);
  if (!v.IsSequence() || v.size() == 0) fail(v, "expected a non-empty list of addresses");
  std::string text;
  for (const auto& x : v) {
    const std::string s = scalar(x, "an address");
    const auto c = parse_addr_cond(s);
    if (!c) fail(x, "expected none, nameservers[:PORT], ADDR[/BITS][:PORT] or [ADDR6][:PORT], got '" + s + "'");
    if (c->kind == AddrCond::Kind::none && syscall != "sendto" && syscall != "sendmsg")
      fail(x, "'none' (no address) fits only sendto and sendmsg");
    rule.addrs.push_back(*c);
    text += (text.empty() ? "" : ", ") + describe_addr_cond(*c);
  }
  return "addr in {" + text + "}";
}

void parse_entry(const YAML::Node& e, std::size_t promise, PromiseCatalogue::Impl& impl) {
  Rule rule;
  rule.action = Action::allow;
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
        // openat2's flags are in memory: its flags_arg names a pointer, which neither
        // evaluate nor a filter may read as flags.
        if (!sig || sig->npaths == 0 || sig->paths[0].use != PathUse::open ||
            sig->paths[0].flags_arg < 0 ||
            sig->args[static_cast<std::size_t>(sig->paths[0].flags_arg)] != ArgKind::open_flags)
          fail(kv.first, "'open' limits only calls with open flags in a register, not " +
                             written.syscall);
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
          // Matched as a policy glob; the Landlock plan takes these as trees or files.
          const std::string_view dir = s.ends_with("/**") ? std::string_view(s).substr(0, s.size() - 3) : s;
          if (glob_has_wildcard(dir) || glob_error(s))
            fail(p, "expected a literal path or DIR/**, got '" + s + "'");
          rule.paths.push_back(s);
          text += " " + s;
        }
        parts.push_back(text);
      } else if (key == "addr" || key == "control") {
        parts.push_back(parse_addr_limit(written.syscall, kv.first, v, rule));
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
          rule.args.push_back(parse_cond(arg, ck, ckv.second, ignore, text));
          parts.push_back(text);
        }
      } else {
        fail(kv.first, "unknown key '" + key +
                           "' (expected syscall, open, path, addr, control, arg0..arg5)");
      }
    }
    if (parts.empty()) fail(e, "an entry with no limits is written as the bare syscall name");
    for (const auto& p : parts) written.limits += (written.limits.empty() ? "" : "; ") + p;
  } else {
    fail(e, "expected a syscall name or a map with 'syscall:'");
  }
  rule.syscall = written.syscall;
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

}  // namespace

// Number -> rules per ABI. Calls are governed by name: the ABI's name, through aliases:, is
// looked up among the x86-64 names the catalogue uses.
void index_catalogue(PromiseCatalogue::Impl& impl) {
  std::map<std::string, std::vector<std::size_t>> by_name;
  for (std::size_t i = 0; i < impl.rules.size(); ++i) by_name[impl.rules[i].syscall].push_back(i);
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

namespace {

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
    for (const auto& e : syscalls) parse_entry(e, impl->names.size() - 1, *impl);
  }
  index_catalogue(*impl);
  return impl;
}

}  // namespace

std::shared_ptr<PromiseCatalogue::Impl> load_promise_catalogue(std::string_view yaml) {
  return load(yaml);
}

}  // namespace xpledge
