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
#include "errno_names.hpp"
#include "json_strict.hpp"
#include "suggest.hpp"
#include "syscalls.hpp"

namespace xpledge {

namespace {

constexpr int kMaxErrno = 4095;
constexpr std::uint64_t kMaxArgIndex = 5;

// moby's runtime.GOARCH for this host, and the spellings profiles use for it.
constexpr std::array<std::string_view, 3> kHostArches{"amd64", "x86_64", "x86-64"};
// The names includes/excludes "arches" use (Go's GOARCH values, moby's x86/x32/s390 and the
// kernel's spellings): one outside this list is a misspelling, and a misspelt arch would drop a
// deny entry ("only for amd46") or keep one meant for another arch.
constexpr std::string_view kEntryArchNames[] = {
    "amd64", "x86_64", "x86-64", "386", "x86", "i386", "x32", "arm", "arm64", "aarch64",
    "loong64", "loongarch64", "mips", "mipsle", "mips64", "mips64le", "mips64n32",
    "mips64len32", "ppc", "ppc64", "ppc64le", "riscv64", "s390", "s390x", "parisc",
    "parisc64"};

enum class OciAction { allow, errno_ret, kill_process, kill_thread, trap, trace, log, notify };

constexpr std::string_view kActionNames[] = {
    "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL",
    "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_TRACE", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"};

constexpr std::string_view kOpNames[] = {"SCMP_CMP_EQ", "SCMP_CMP_NE", "SCMP_CMP_LT",
                                         "SCMP_CMP_LE", "SCMP_CMP_GT", "SCMP_CMP_GE",
                                         "SCMP_CMP_MASKED_EQ"};

// Linux's capabilities (include/uapi/linux/capability.h, 0..40 as of 6.x), for --caps and the
// profile's includes/excludes: a misspelt capability would silently decide an entry.
constexpr std::string_view kCapNames[] = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
    "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
    "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
    "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE"};

// libseccomp's architecture tokens as profiles spell them (runtime-spec config-linux.md,
// moby's archMap), also those newer than libseccomp 2.5 (LOONGARCH64, M68K, SH).
constexpr std::string_view kArchNames[] = {
    "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
    "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
    "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
    "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC",
    "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
    "SCMP_ARCH_SH", "SCMP_ARCH_SHEB"};

// The keys each kind of object may have; any other is an error (a misspelt "args" or
// "includes" would otherwise widen the rule).
constexpr std::string_view kTopKeys[] = {"defaultAction", "defaultErrnoRet", "architectures",
                                         "archMap",       "syscalls",        "listenerPath",
                                         "listenerMetadata", "flags"};
constexpr std::string_view kEntryKeys[] = {"names", "name", "action", "args", "errnoRet",
                                           "comment", "includes", "excludes"};
constexpr std::string_view kArgKeys[] = {"index", "value", "valueTwo", "op"};
constexpr std::string_view kFilterKeys[] = {"caps", "arches", "minKernel"};
constexpr std::string_view kArchMapKeys[] = {"architecture", "subArchitectures"};

template <typename Range>
bool is_one_of(std::string_view s, const Range& names) {
  return std::find(std::begin(names), std::end(names), s) != std::end(names);
}

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

// The nodes of a string or a list of strings (for positions).
std::vector<YAML::Node> string_nodes(const YAML::Node& n) {
  std::vector<YAML::Node> out;
  if (!n) return out;
  if (n.IsScalar()) out.push_back(n);
  if (n.IsSequence())
    for (const auto& x : n)
      if (x.IsScalar()) out.push_back(x);
  return out;
}

// Every x86 ABI's names, for "did you mean" on a misspelt system call.
const std::vector<std::string>& x86_syscall_names() {
  static const std::vector<std::string> names = [] {
    std::set<std::string> all;
    for (Abi a : kAllAbis)
      for (const std::string& n : syscall_names(a)) all.insert(n);
    return std::vector<std::string>(all.begin(), all.end());
  }();
  return names;
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
    std::string bad;
    for (const auto& c : options.caps) {
      const std::string cap = canonical_cap(c);
      if (!is_one_of(cap, kCapNames))
        bad += std::string(bad.empty() ? "" : "; ") + "'" + c + "'" +
               did_you_mean(closest(cap, kCapNames));
      caps_.insert(cap);
    }
    if (!bad.empty()) throw OciImportError("--caps: unknown capability " + bad);
    if (!options.kernel.empty()) {
      kernel_ = kernel_version(options.kernel);
      if (!kernel_)
        throw OciImportError("kernel version '" + options.kernel + "' is not of the form N.N");
    }
  }

  std::string run(std::string_view json);

 private:
  // A problem that stops the import; all are reported, in file order.
  void error(const YAML::Node& at, const std::string& text) {
    const YAML::Mark m = at.Mark();
    errors_.push_back({m.is_null() ? 0 : m.line + 1, m.is_null() ? 0 : m.column + 1, text});
  }
  // Keys of `n` not in `keys`: errors with a hint.
  template <typename Range>
  void check_keys(const YAML::Node& n, const Range& keys, const std::string& what) {
    if (!n.IsMap()) return;
    for (const auto& kv : n) {
      const std::string k = kv.first.Scalar();
      if (!is_one_of(k, keys))
        error(kv.first, what + "unknown key '" + k + "'" + did_you_mean(closest(k, keys)));
    }
  }
  // A string entry of a caps list that names no capability: an error with a hint.
  void check_caps(const YAML::Node& list, const std::string& label);
  std::optional<std::uint64_t> unsigned_value(const YAML::Node& n, const std::string& what);
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
  std::set<std::string> other_arch_names_;  // in rules that allow or log: left out, warned
  struct Problem {
    int line = 0;
    int col = 0;
    std::string text;
  };
  std::vector<Problem> errors_;
};

void Importer::check_caps(const YAML::Node& list, const std::string& label) {
  for (const YAML::Node& c : string_nodes(list)) {
    const std::string cap = canonical_cap(c.Scalar());
    if (!is_one_of(cap, kCapNames))
      error(c, label + "unknown capability '" + c.Scalar() + "'" +
                   did_you_mean(closest(cap, kCapNames)));
  }
}

// A number the profile gives (index, value, errnoRet): a non-negative integer, else an error.
std::optional<std::uint64_t> Importer::unsigned_value(const YAML::Node& n, const std::string& what) {
  if (n.IsScalar()) {
    const std::string& t = n.Scalar();
    if (!t.empty() && std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      try {
        return std::stoull(t);
      } catch (const std::out_of_range&) {
      }
    }
  }
  error(n, what + " must be a non-negative integer below 2^64, got " +
               (n.IsScalar() ? "'" + n.Scalar() + "'" : std::string("a list or object")));
  return std::nullopt;
}

void Importer::read_default(const YAML::Node& root) {
  const YAML::Node d = root["defaultAction"];
  if (!d || !d.IsScalar())
    throw OciImportError(where(name_, root) +
                         ": not a seccomp profile: no 'defaultAction' (a string such as "
                         "SCMP_ACT_ERRNO)");
  const auto a = action_from(d.Scalar());
  if (!a) {
    error(d, "unknown defaultAction '" + d.Scalar() + "'" +
                 did_you_mean(closest(d.Scalar(), kActionNames)));
    return;
  }
  if (const YAML::Node e = root["defaultErrnoRet"]) {
    if (const auto v = unsigned_value(e, "defaultErrnoRet")) {
      if (*v >= 1 && *v <= kMaxErrno) errno_ = static_cast<int>(*v);
      else
        warn(where(name_, e) + ": defaultErrnoRet " + e.Scalar() +
             " cannot be expressed (an errno is 1.." + std::to_string(kMaxErrno) + "); using EPERM");
    }
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
  const auto check_arch = [&](const YAML::Node& n) {
    if (!is_one_of(n.Scalar(), kArchNames))
      error(n, "unknown architecture '" + n.Scalar() + "'" +
                   did_you_mean(closest(n.Scalar(), kArchNames)));
  };
  for (const auto& a : string_nodes(root["architectures"])) check_arch(a);
  if (const YAML::Node m = root["archMap"]; m && m.IsSequence()) {
    for (const auto& e : m) {
      check_keys(e, kArchMapKeys, "archMap: ");
      if (e.IsMap()) {
        for (const auto& a : string_nodes(e["architecture"])) check_arch(a);
        for (const auto& a : string_nodes(e["subArchitectures"])) check_arch(a);
      }
    }
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
  for (const char* key : {"includes", "excludes"}) {
    if (const YAML::Node f = e[key]; f && f.IsMap()) {
      check_keys(f, kFilterKeys, label + ": " + key + ": ");
      check_caps(f["caps"], label + ": " + key + ": ");
      for (const YAML::Node& a : string_nodes(f["arches"]))
        if (!is_one_of(a.Scalar(), kEntryArchNames))
          error(a, label + ": " + key + ": unknown arch '" + a.Scalar() + "'" +
                       did_you_mean(closest(a.Scalar(), kEntryArchNames)));
    }
  }
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
// argument become separate rules, i.e. "any of"; otherwise one rule with all of them). False
// when the entry is not imported (an error, or a condition that never holds).
bool Importer::read_args(const YAML::Node& args, const std::string& label,
                         std::vector<std::vector<Cond>>& alternatives) {
  std::vector<std::vector<Cond>> per_arg;  // each OCI condition as xpledge conditions (ANDed)
  std::map<std::uint64_t, int> count;
  bool ok = true;
  for (const auto& a : args) {
    if (!a.IsMap()) {
      error(a, label + ": an argument condition must be an object");
      ok = false;
      continue;
    }
    check_keys(a, kArgKeys, label + ": args: ");
    std::uint64_t index = 0;
    bool index_ok = false;
    if (!a["index"]) {
      error(a, label + ": argument condition without 'index'");
    } else if (const auto i = unsigned_value(a["index"], label + ": index")) {
      index = *i;
      index_ok = index <= kMaxArgIndex;
      if (!index_ok)
        error(a["index"], label + ": argument index " + a["index"].Scalar() + " is not 0..5");
    }
    const auto value = a["value"] ? unsigned_value(a["value"], label + ": value")
                                  : std::optional<std::uint64_t>(0);
    const auto two = a["valueTwo"] ? unsigned_value(a["valueTwo"], label + ": valueTwo")
                                   : std::optional<std::uint64_t>(0);
    const std::string op = a["op"] && a["op"].IsScalar() ? a["op"].Scalar() : "";
    if (!is_one_of(op, kOpNames)) {
      error(a["op"] ? a["op"] : a, label + ": unknown op '" + op + "'" +
                                       did_you_mean(closest(op, kOpNames)));
      ok = false;
    }
    if (!index_ok || !value || !two) ok = false;
    if (!ok) continue;
    std::vector<Cond> c;
    static const std::map<std::string, std::string> kOps{
        {"SCMP_CMP_EQ", "eq"}, {"SCMP_CMP_NE", "ne"}, {"SCMP_CMP_LT", "lt"},
        {"SCMP_CMP_LE", "le"}, {"SCMP_CMP_GT", "gt"}, {"SCMP_CMP_GE", "ge"}};
    if (const auto it = kOps.find(op); it != kOps.end()) {
      c.push_back({index, it->second, *value});
    } else {  // SCMP_CMP_MASKED_EQ
      // (arg & value) == valueTwo: the bits of valueTwo set, the other bits of value clear.
      if (*two & ~*value) {
        // The rule can never match: leaving it out decides exactly as the runtime would.
        warn(where(name_, a) + ": " + label + ": SCMP_CMP_MASKED_EQ with valueTwo outside the "
             "mask never holds; the entry never applies and is not imported");
        return false;
      }
      if (*two) c.push_back({index, "mask_all", *two});
      if (*value & ~*two) c.push_back({index, "mask_none", *value & ~*two});
    }
    ++count[index];
    per_arg.push_back(std::move(c));
  }
  if (!ok) return false;
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
    error(e, label + " is not an object");
    return;
  }
  std::vector<YAML::Node> names = string_nodes(e["names"]);
  for (const auto& n : string_nodes(e["name"])) names.push_back(n);  // the pre-1.0 spelling
  const std::string first = names.empty() ? std::string("no names") : names.front().Scalar();
  label += " (" + first + (names.size() > 1 ? ", ..." : "") + ")";
  check_keys(e, kEntryKeys, label + ": ");
  // Misspellings are errors also in an entry these capabilities/arch/kernel leave out: with
  // other --caps the same profile would fail, or worse, not.
  const YAML::Node action_node = e["action"];
  const std::string action_text = action_node && action_node.IsScalar() ? action_node.Scalar() : "";
  const auto action = action_from(action_text);
  if (!action) {
    if (!action_node) error(e, label + ": no 'action'");
    else
      error(action_node, label + ": unknown action '" + action_text + "'" +
                             did_you_mean(closest(action_text, kActionNames)));
  }
  const auto misspelt = [&](const YAML::Node& node) {
    const std::string& n = node.Scalar();
    if (name_known(n) || libseccomp_knows_on_some_arch(n)) return false;
    const std::string hint = closest(n, x86_syscall_names());
    if (hint.empty()) return false;
    error(node, label + ": unknown system call '" + n + "'" + did_you_mean(hint));
    return true;
  };
  if (const auto why = excluded_by(e, label)) {
    for (const auto& node : names) misspelt(node);
    note(label + ": not imported: " + *why);
    ++dropped_;
    return;
  }
  if (!action) return;
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
      std::optional<std::uint64_t> v = static_cast<std::uint64_t>(errno_);
      if (e["errnoRet"]) v = unsigned_value(e["errnoRet"], label + ": errnoRet");
      if (!v) return;
      if (*v >= 1 && *v <= kMaxErrno) {
        if (static_cast<int>(*v) != errno_) err = static_cast<int>(*v);
      } else {
        warn(label + ": errnoRet " + e["errnoRet"].Scalar() +
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
  const bool refuses = list != "allow" && list != "log";
  for (const auto& node : names) {
    const std::string& n = node.Scalar();
    if (!name_known(n)) {
      // A name close to one of this host's is a misspelling: an error in any rule. Another
      // architecture's call (or one newer than these tables) left out of an allow rule only
      // refuses more; out of a deny rule it could let through a call the profile meant to
      // stop, so that fails the import too (issue 23).
      if (misspelt(node)) continue;
      if (refuses)
        error(node, label + ": '" + n + "' is not a system call on x86_64, i386 or x32 that "
                        "this build knows (libseccomp " + libseccomp_version() + " + the Linux " +
                        std::string(syscall_tables_release()) + " supplement); importing the "
                        "rule without it could let it run");
      else
        other_arch_names_.insert(n);
      continue;
    }
    for (const auto& conds : alternatives) out.rules.push_back({n, conds, err});
  }
  if (!out.rules.empty()) lists_[list].push_back(std::move(out));
}

std::string Importer::run(std::string_view json) {
  if (const auto bad = strict_json_error(json))
    throw OciImportError(std::vector<std::string>{
        name_ + ":" + std::to_string(bad->line) + ":" + std::to_string(bad->col) +
        ": error: not strict JSON: " + bad->message});
  YAML::Node root;
  try {
    root = YAML::Load(std::string(json));
  } catch (const YAML::Exception& e) {
    throw OciImportError(std::vector<std::string>{
        name_ + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
        ": error: not JSON: " + e.msg});
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
      }
    }
    check_keys(root, kTopKeys, "");
    read_default(root);
    read_arches(root);
    if (const YAML::Node s = root["syscalls"]; s && !s.IsNull()) {
      if (!s.IsSequence()) error(s, "'syscalls' must be a list");
      else
        for (std::size_t i = 0; i < s.size(); ++i) read_entry(s[i], i);
    }
  } catch (const YAML::Exception& e) {
    throw OciImportError(std::vector<std::string>{
        name_ + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
        ": error: " + e.msg});
  }
  if (!errors_.empty()) {
    std::stable_sort(errors_.begin(), errors_.end(), [](const Problem& a, const Problem& b) {
      return std::pair(a.line, a.col) < std::pair(b.line, b.col);
    });
    std::vector<std::string> out;
    for (const Problem& p : errors_)
      out.push_back(name_ + (p.line ? ":" + std::to_string(p.line) + ":" + std::to_string(p.col)
                                    : std::string()) +
                    ": error: " + p.text);
    throw OciImportError(std::move(out));
  }
  if (!other_arch_names_.empty()) {
    std::string list;
    for (const auto& n : other_arch_names_) list += (list.empty() ? "" : " ") + n;
    warn(std::to_string(other_arch_names_.size()) +
         " names in rules that allow are not system calls on x86_64, i386 or x32 (libseccomp " +
         libseccomp_version() + " + the Linux " + std::string(syscall_tables_release()) +
         " supplement), nor close to one: other architectures' calls or newer ones; left out: " + list);
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
  if (r.err) out += ", errno: " + errno_name(*r.err);
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
  out += "errno: " + errno_name(errno_) + "\n";
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

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : "\n") + l;
  return out;
}

}  // namespace

OciImportError::OciImportError(const std::string& reason) : std::runtime_error(reason) {}
OciImportError::OciImportError(std::vector<std::string> errors)
    : std::runtime_error(join_lines(errors)), errors_(std::move(errors)) {}

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
