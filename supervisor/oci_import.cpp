#include "oci_import.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "abi.hpp"
#include "syscalls.hpp"

namespace xpledge {

namespace {

constexpr int kMaxErrno = 4095;
constexpr std::uint64_t kMaxArgIndex = 5;

// moby's runtime.GOARCH for this host, and the spellings profiles use for it.
constexpr std::array<std::string_view, 3> kHostArches{"amd64", "x86_64", "x86-64"};

enum class OciAction { allow, errno_ret, kill_process, kill_thread, trap, trace, log, notify };

std::optional<OciAction> action_from(std::string_view s) {
  if (s == "SCMP_ACT_ALLOW") return OciAction::allow;
  if (s == "SCMP_ACT_ERRNO") return OciAction::errno_ret;
  if (s == "SCMP_ACT_KILL_PROCESS") return OciAction::kill_process;
  // SCMP_ACT_KILL is libseccomp's old name for SCMP_ACT_KILL_THREAD.
  if (s == "SCMP_ACT_KILL" || s == "SCMP_ACT_KILL_THREAD") return OciAction::kill_thread;
  if (s == "SCMP_ACT_TRAP") return OciAction::trap;
  if (s == "SCMP_ACT_TRACE") return OciAction::trace;
  if (s == "SCMP_ACT_LOG") return OciAction::log;
  if (s == "SCMP_ACT_NOTIFY") return OciAction::notify;
  return std::nullopt;
}

std::string errno_text(int e) {
  const char* n = strerrorname_np(e);
  return n ? n : std::to_string(e);
}

std::string number_text(std::uint64_t v) {
  if (v < 4096) return std::to_string(v);
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string where(const std::string& name, const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  if (m.is_null()) return name;
  return name + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

// One line, safe inside a YAML comment.
std::string one_line(std::string_view s) {
  std::string out;
  for (const char c : s) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  return out;
}

std::string canonical_cap(std::string cap) {
  for (auto& c : cap) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (!cap.starts_with("CAP_")) cap = "CAP_" + cap;
  return cap;
}

// "6.1.0-18-amd64" -> (6, 1); nullopt if it does not start with N.N.
std::optional<std::pair<int, int>> kernel_version(std::string_view s) {
  int major = 0, minor = 0;
  const std::string text(s);
  if (std::sscanf(text.c_str(), "%d.%d", &major, &minor) != 2) return std::nullopt;
  return std::pair{major, minor};
}

std::vector<std::string> string_list(const YAML::Node& n) {
  std::vector<std::string> out;
  if (!n) return out;
  if (n.IsScalar()) out.push_back(n.Scalar());
  if (n.IsSequence())
    for (const auto& x : n)
      if (x.IsScalar()) out.push_back(x.Scalar());
  return out;
}

bool name_known(const std::string& name) {
  return std::any_of(kAllAbis.begin(), kAllAbis.end(),
                     [&](Abi abi) { return syscall_nr(abi, name).has_value(); });
}

struct Cond {
  std::uint64_t index = 0;
  std::string op;  // xpledge op name
  std::uint64_t value = 0;
};

// One xpledge rule to write.
struct OutRule {
  std::string syscall;
  std::vector<Cond> conds;
  std::optional<int> err;
};

struct Entry {
  std::string label;  // "syscalls[3]" + the entry's comment
  std::vector<OutRule> rules;
};

class Importer {
 public:
  Importer(const std::string& name, const OciImportOptions& options,
           std::vector<std::string>& warnings)
      : name_(name), options_(options), warnings_(warnings) {
    for (const auto& c : options.caps) caps_.insert(canonical_cap(c));
    if (!options.kernel.empty()) {
      kernel_ = kernel_version(options.kernel);
      if (!kernel_)
        throw OciImportError("kernel version '" + options.kernel + "' is not of the form N.N");
    }
  }

  std::string run(std::string_view json);

 private:
  void note(const std::string& text) { notes_.push_back(text); }
  void warn(const std::string& text) {
    warnings_.push_back(text);
    notes_.push_back(text);
  }
  void read_default(const YAML::Node& root);
  void read_arches(const YAML::Node& root);
  void read_entry(const YAML::Node& e, std::size_t i);
  std::optional<std::string> excluded_by(const YAML::Node& e, const std::string& label);
  bool read_args(const YAML::Node& args, const std::string& label,
                 std::vector<std::vector<Cond>>& alternatives);
  std::string write() const;

  std::string name_;
  const OciImportOptions& options_;
  std::vector<std::string>& warnings_;
  std::set<std::string> caps_;
  std::optional<std::pair<int, int>> kernel_;
  bool kernel_assumed_ = false;
  std::size_t dropped_ = 0;

  std::string default_action_ = "deny";
  int errno_ = EPERM;
  std::set<Abi> abis_;
  std::map<std::string, std::vector<Entry>> lists_;  // "allow", "deny", "kill", "log"
  std::vector<std::string> notes_;
  std::set<std::string> unknown_names_;     // in rules that allow or log: left out, warned
  std::vector<std::string> unmappable_denials_;  // in rules that deny or kill: an error
};

void Importer::read_default(const YAML::Node& root) {
  const YAML::Node d = root["defaultAction"];
  if (!d || !d.IsScalar())
    throw OciImportError(where(name_, root) +
                         ": not a seccomp profile: no 'defaultAction' (a string such as "
                         "SCMP_ACT_ERRNO)");
  const auto a = action_from(d.Scalar());
  if (!a) throw OciImportError(where(name_, d) + ": unknown defaultAction '" + d.Scalar() + "'");
  if (const YAML::Node e = root["defaultErrnoRet"]) {
    const int v = e.as<int>(0);
    if (v >= 1 && v <= kMaxErrno) errno_ = v;
    else
      warn(where(name_, e) + ": defaultErrnoRet " + e.Scalar() +
           " cannot be expressed (an errno is 1.." + std::to_string(kMaxErrno) + "); using EPERM");
  }
  switch (*a) {
    case OciAction::allow: default_action_ = "allow"; break;
    case OciAction::errno_ret: default_action_ = "deny"; break;
    case OciAction::kill_process: default_action_ = "kill"; break;
    case OciAction::kill_thread:
      default_action_ = "kill";
      warn("defaultAction " + d.Scalar() +
           " kills the calling thread; xpledge's kill kills the whole process");
      break;
    case OciAction::trap:
      default_action_ = "kill";
      warn("defaultAction SCMP_ACT_TRAP (SIGSYS to the caller) becomes kill: xpledge cannot "
           "deliver a SIGSYS with seccomp's siginfo");
      break;
    case OciAction::trace:
      default_action_ = "deny";
      errno_ = ENOSYS;
      warn("defaultAction SCMP_ACT_TRACE becomes deny with ENOSYS, what the kernel answers "
           "when no seccomp tracer is attached");
      break;
    case OciAction::log:
      default_action_ = "allow";
      warn("defaultAction SCMP_ACT_LOG becomes allow: xpledge logs only calls a log: rule "
           "names");
      break;
    case OciAction::notify:
      throw OciImportError(where(name_, d) +
                           ": defaultAction SCMP_ACT_NOTIFY needs a seccomp notification "
                           "listener; xpledge cannot express it");
  }
}

void Importer::read_arches(const YAML::Node& root) {
  // archMap (moby >= 20.10): the host's entry and its sub-architectures; architectures: a flat
  // list. Either way only the ABIs an x86-64 host has count.
  std::vector<std::string> arches;
  if (const YAML::Node m = root["archMap"]; m && m.IsSequence()) {
    for (const auto& e : m) {
      if (!e.IsMap() || !e["architecture"] || e["architecture"].Scalar() != "SCMP_ARCH_X86_64")
        continue;
      arches.push_back("SCMP_ARCH_X86_64");
      for (const auto& s : string_list(e["subArchitectures"])) arches.push_back(s);
    }
    if (arches.empty() && m.size() > 0)
      warn("archMap has no SCMP_ARCH_X86_64 entry: the profile is not for this host; "
           "allowing the x86_64 ABI only");
  }
  for (const auto& a : string_list(root["architectures"])) arches.push_back(a);
  for (const auto& a : arches) {
    if (a == "SCMP_ARCH_X86_64") abis_.insert(Abi::x86_64);
    else if (a == "SCMP_ARCH_X86") abis_.insert(Abi::i386);
    else if (a == "SCMP_ARCH_X32") abis_.insert(Abi::x32);
  }
  if (abis_.empty()) abis_.insert(Abi::x86_64);  // what a runtime does: the native ABI
}

std::optional<std::string> Importer::excluded_by(const YAML::Node& e, const std::string& label) {
  const auto host_arch = [](const std::vector<std::string>& list) {
    return std::any_of(list.begin(), list.end(), [](const std::string& a) {
      return std::find(kHostArches.begin(), kHostArches.end(), a) != kHostArches.end();
    });
  };
  auto kernel_at_least = [&](const YAML::Node& n) -> std::optional<bool> {
    const auto want = kernel_version(n.Scalar());
    if (!want) {
      warn(where(name_, n) + ": " + label + ": minKernel '" + n.Scalar() + "' is not N.N; ignored");
      return std::nullopt;
    }
    if (!kernel_) {
      kernel_assumed_ = true;
      return true;
    }
    return *kernel_ >= *want;
  };
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  if (const YAML::Node inc = e["includes"]; inc && inc.IsMap()) {
    const auto caps = string_list(inc["caps"]);
    std::vector<std::string> missing;
    for (const auto& c : caps)
      if (!caps_.contains(canonical_cap(c))) missing.push_back(c);
    if (!missing.empty()) return "needs " + join(missing) + " (--caps)";
    const auto arches = string_list(inc["arches"]);
    if (!arches.empty() && !host_arch(arches)) return "only for " + join(arches);
    if (const YAML::Node k = inc["minKernel"]; k && k.IsScalar())
      if (kernel_at_least(k) == false) return "needs kernel >= " + k.Scalar();
  }
  if (const YAML::Node exc = e["excludes"]; exc && exc.IsMap()) {
    for (const auto& c : string_list(exc["caps"]))
      if (caps_.contains(canonical_cap(c))) return "not with " + c;
    const auto arches = string_list(exc["arches"]);
    if (host_arch(arches)) return "not for " + join(arches);
    if (const YAML::Node k = exc["minKernel"]; k && k.IsScalar())
      if (kernel_at_least(k) == true) return "not from kernel " + k.Scalar() + " on";
  }
  return std::nullopt;
}

// OCI args -> one or more alternative condition lists (runc: several conditions on the same
// argument become separate rules, i.e. "any of"; otherwise one rule with all of them).
bool Importer::read_args(const YAML::Node& args, const std::string& label,
                         std::vector<std::vector<Cond>>& alternatives) {
  std::vector<std::vector<Cond>> per_arg;  // each OCI condition as xpledge conditions (ANDed)
  std::map<std::uint64_t, int> count;
  for (const auto& a : args) {
    const std::uint64_t index = a["index"].as<std::uint64_t>(99);
    const std::uint64_t value = a["value"] ? a["value"].as<std::uint64_t>(0) : 0;
    const std::uint64_t two = a["valueTwo"] ? a["valueTwo"].as<std::uint64_t>(0) : 0;
    const std::string op = a["op"] ? a["op"].Scalar() : "";
    if (index > kMaxArgIndex) {
      warn(where(name_, a) + ": " + label + ": argument index " + (a["index"] ? a["index"].Scalar() : "?") +
           " is not 0..5; the entry is not imported");
      return false;
    }
    std::vector<Cond> c;
    static const std::map<std::string, std::string> kOps{
        {"SCMP_CMP_EQ", "eq"}, {"SCMP_CMP_NE", "ne"}, {"SCMP_CMP_LT", "lt"},
        {"SCMP_CMP_LE", "le"}, {"SCMP_CMP_GT", "gt"}, {"SCMP_CMP_GE", "ge"}};
    if (const auto it = kOps.find(op); it != kOps.end()) {
      c.push_back({index, it->second, value});
    } else if (op == "SCMP_CMP_MASKED_EQ") {
      // (arg & value) == valueTwo: the bits of valueTwo set, the other bits of value clear.
      if (two & ~value) {
        warn(where(name_, a) + ": " + label + ": SCMP_CMP_MASKED_EQ with valueTwo outside the "
             "mask never holds; the entry is not imported");
        return false;
      }
      if (two) c.push_back({index, "mask_all", two});
      if (value & ~two) c.push_back({index, "mask_none", value & ~two});
    } else {
      warn(where(name_, a) + ": " + label + ": unknown op '" + op + "'; the entry is not imported");
      return false;
    }
    ++count[index];
    per_arg.push_back(std::move(c));
  }
  const bool split = std::any_of(count.begin(), count.end(), [](const auto& kv) { return kv.second > 1; });
  if (split) {
    note(label + ": several conditions on one argument: one rule per condition (any of them), "
                 "as runc does");
    for (auto& c : per_arg) alternatives.push_back(std::move(c));
  } else {
    std::vector<Cond> all;
    for (auto& c : per_arg) all.insert(all.end(), c.begin(), c.end());
    alternatives.push_back(std::move(all));
  }
  return true;
}

void Importer::read_entry(const YAML::Node& e, std::size_t i) {
  std::string label = "syscalls[" + std::to_string(i) + "]";
  if (!e.IsMap()) {
    warn(where(name_, e) + ": " + label + " is not an object; skipped");
    return;
  }
  std::vector<std::string> names = string_list(e["names"]);
  for (const auto& n : string_list(e["name"])) names.push_back(n);  // the pre-1.0 spelling
  const std::string first = names.empty() ? std::string("no names") : names.front();
  label += " (" + first + (names.size() > 1 ? ", ..." : "") + ")";
  for (const auto& kv : e) {
    const std::string k = kv.first.Scalar();
    if (k != "names" && k != "name" && k != "action" && k != "args" && k != "errnoRet" &&
        k != "comment" && k != "includes" && k != "excludes")
      warn(where(name_, kv.first) + ": " + label + ": unknown key '" + k + "' ignored");
  }
  if (const auto why = excluded_by(e, label)) {
    note(label + ": not imported: " + *why);
    ++dropped_;
    return;
  }
  const std::string action_text = e["action"] ? e["action"].Scalar() : "";
  const auto action = action_from(action_text);
  if (!action) {
    warn(where(name_, e) + ": " + label + ": unknown action '" + action_text +
         "'; not imported");
    return;
  }
  std::string list;
  std::optional<int> err;
  switch (*action) {
    case OciAction::allow: list = "allow"; break;
    case OciAction::log: list = "log"; break;
    case OciAction::kill_process: list = "kill"; break;
    case OciAction::kill_thread:
      list = "kill";
      warn(label + ": " + action_text + " kills the thread; xpledge's kill kills the process");
      break;
    case OciAction::trap:
      list = "kill";
      warn(label + ": SCMP_ACT_TRAP (SIGSYS) becomes kill");
      break;
    case OciAction::trace:
      list = "deny";
      err = ENOSYS;
      warn(label + ": SCMP_ACT_TRACE becomes deny with ENOSYS (no seccomp tracer)");
      break;
    case OciAction::notify:
      warn(label + ": SCMP_ACT_NOTIFY needs a notification listener; not imported (the calls "
                   "get the default action)");
      return;
    case OciAction::errno_ret: {
      list = "deny";
      const int v = e["errnoRet"] ? e["errnoRet"].as<int>(-1) : errno_;
      if (v >= 1 && v <= kMaxErrno) {
        if (v != errno_) err = v;
      } else {
        warn(label + ": errnoRet " + (e["errnoRet"] ? e["errnoRet"].Scalar() : "") +
             " cannot be expressed (0 would fake success); denied with the policy's errno");
      }
      break;
    }
  }
  std::vector<std::vector<Cond>> alternatives;
  if (const YAML::Node args = e["args"]; args && args.IsSequence() && args.size() > 0) {
    if (!read_args(args, label, alternatives)) return;
  } else {
    alternatives.emplace_back();
  }
  Entry out;
  out.label = label;
  if (const YAML::Node c = e["comment"]; c && c.IsScalar() && !c.Scalar().empty())
    out.label += ": " + one_line(c.Scalar());
  for (const auto& n : names) {
    if (!name_known(n)) {
      // Leaving a name out of an allow rule only refuses more; out of a deny rule it could let
      // through a call the profile meant to stop: that fails the import (issue 23).
      if (list == "allow" || list == "log") unknown_names_.insert(n);
      else unmappable_denials_.push_back(where(name_, e) + ": " + label + ": '" + n + "'");
      continue;
    }
    for (const auto& conds : alternatives) out.rules.push_back({n, conds, err});
  }
  if (!out.rules.empty()) lists_[list].push_back(std::move(out));
}

std::string Importer::run(std::string_view json) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(json));
  } catch (const YAML::Exception& e) {
    throw OciImportError(name_ + ":" + std::to_string(e.mark.line + 1) + ":" +
                         std::to_string(e.mark.column + 1) + ": not JSON: " + e.msg);
  }
  if (!root.IsMap()) throw OciImportError(name_ + ": not a seccomp profile (expected an object)");
  try {
    for (const auto& kv : root) {
      const std::string k = kv.first.Scalar();
      if (k == "listenerPath" || k == "listenerMetadata") {
        warn(where(name_, kv.first) + ": '" + k + "' (seccomp notification) ignored");
      } else if (k == "flags") {
        warn(where(name_, kv.first) + ": 'flags' (seccomp filter flags) ignored: xpledge "
                                      "installs its own filter");
      } else if (k != "defaultAction" && k != "defaultErrnoRet" && k != "architectures" &&
                 k != "archMap" && k != "syscalls") {
        warn(where(name_, kv.first) + ": unknown key '" + k + "' ignored");
      }
    }
    read_default(root);
    read_arches(root);
    if (const YAML::Node s = root["syscalls"]; s && s.IsSequence())
      for (std::size_t i = 0; i < s.size(); ++i) read_entry(s[i], i);
  } catch (const YAML::Exception& e) {
    throw OciImportError(name_ + ":" + std::to_string(e.mark.line + 1) + ":" +
                         std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  const std::string tables = "libseccomp " + libseccomp_version() + " + the Linux " +
                           std::string(syscall_tables_release()) + " supplement";
  if (!unmappable_denials_.empty()) {
    std::string list;
    for (const auto& d : unmappable_denials_) list += "\n  " + d;
    throw OciImportError(
        std::to_string(unmappable_denials_.size()) +
        " name(s) in rules that deny or kill are not system calls this build knows (" + tables +
        "); importing without them could let those calls run, so nothing is imported:" + list);
  }
  if (!unknown_names_.empty()) {
    std::string list;
    for (const auto& n : unknown_names_) list += (list.empty() ? "" : " ") + n;
    warn(std::to_string(unknown_names_.size()) +
         " names in rules that allow are not system calls on x86_64, i386 or x32 (" + tables +
         "); left out: " + list);
  }
  if (kernel_assumed_)
    warn("no kernel version given: every minKernel condition counted as met");
  if (dropped_ > 0)
    warnings_.push_back(std::to_string(dropped_) + " entr" + (dropped_ == 1 ? "y" : "ies") +
                        " not imported for these capabilities, arch and kernel (see the "
                        "comments in the output)");
  return write();
}

// "#   - text" wrapped at about 96 columns, continued with "#     ".
std::string wrapped_note(const std::string& text) {
  constexpr std::size_t kWidth = 96;
  std::string out, line = "#   -";
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t j = text.find(' ', i);
    if (j == std::string::npos) j = text.size();
    const std::string word = text.substr(i, j - i);
    if (line.size() + 1 + word.size() > kWidth && line != "#   -" && line != "#    ") {
      out += line + "\n";
      line = "#    ";
    }
    line += " " + word;
    i = j + 1;
  }
  return out + line + "\n";
}

std::string rule_text(const OutRule& r) {
  if (r.conds.empty() && !r.err) return r.syscall;
  std::string out = "{ syscall: " + r.syscall;
  if (!r.conds.empty()) {
    out += ", args: [";
    for (std::size_t i = 0; i < r.conds.size(); ++i) {
      const Cond& c = r.conds[i];
      out += (i ? ", " : "") + std::string("{ index: ") + std::to_string(c.index) +
             ", op: " + c.op + ", value: " + number_text(c.value) + " }";
    }
    out += "]";
  }
  if (r.err) out += ", errno: " + errno_text(*r.err);
  return out + " }";
}

std::string Importer::write() const {
  std::string out;
  out += "# xpledge policy imported from " + name_ + "\n";
  out += "# (a Docker/OCI seccomp profile) by `xpledge import oci`, for an x86-64 host (amd64);\n";
  out += "# capabilities: ";
  if (caps_.empty()) {
    out += "none";
  } else {
    std::string list;
    for (const auto& c : caps_) list += (list.empty() ? "" : " ") + c;
    out += list;
  }
  out += "; kernel: " + (options_.kernel.empty() ? std::string("any") : options_.kernel) + ".\n";
  out +=
      "# Differences from the runtime: seccomp compares 64-bit arguments, xpledge's allow\n"
      "# conditions must also hold on the low 32 bits; a call through an ABI not in 'abis' is\n"
      "# denied (the runtime kills it); xpledge's own guards still apply.\n";
  if (!notes_.empty()) {
    out += "#\n# Notes:\n";
    for (const auto& n : notes_) out += wrapped_note(n);
  }
  out += "version: 1\n";
  out += "default: " + default_action_ + "\n";
  out += "errno: " + errno_text(errno_) + "\n";
  std::string abis;
  for (Abi a : kAllAbis)
    if (abis_.contains(a)) abis += (abis.empty() ? "" : ", ") + std::string(abi_name(a));
  out += "abis: [" + abis + "]\n";
  for (const char* list : {"allow", "deny", "kill", "log"}) {
    const auto it = lists_.find(list);
    if (it == lists_.end()) continue;
    out += std::string(list) + ":\n";
    for (const Entry& e : it->second) {
      out += "  # " + e.label + "\n";
      for (const OutRule& r : e.rules) out += "  - " + rule_text(r) + "\n";
    }
  }
  return out;
}

}  // namespace

std::string import_oci_profile_text(std::string_view json, const std::string& name,
                                    const OciImportOptions& options,
                                    std::vector<std::string>& warnings) {
  Importer imp(name, options, warnings);
  return imp.run(json);
}

std::string import_oci_profile(const std::string& json_path, const OciImportOptions& options,
                               std::vector<std::string>& warnings) {
  std::ifstream in(json_path, std::ios::binary);
  if (!in) {
    const int e = errno;
    throw OciImportError("cannot read " + json_path + ": " + std::strerror(e));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return import_oci_profile_text(text.str(), json_path, options, warnings);
}

}  // namespace xpledge
