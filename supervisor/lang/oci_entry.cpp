// One entry of an OCI profile's 'syscalls': whether these capabilities, arch and kernel keep
// it, its action and arguments, and the xpledge rules it becomes.
#include <algorithm>
#include <cerrno>

#include "name_hints.hpp"
#include "oci_importer.hpp"
#include "syscalls.hpp"

namespace xpledge::oci {

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

// The entry's action, or nullopt after an error. Misspellings are errors also in an entry
// these capabilities/arch/kernel leave out: with other --caps the same profile would fail, or
// worse, not.
std::optional<OciAction> Importer::entry_action(const YAML::Node& e, const std::string& label) {
  const YAML::Node node = e["action"];
  const std::string text = node && node.IsScalar() ? node.Scalar() : "";
  const auto action = action_from(text);
  if (action) return action;
  if (!node) error(e, label + ": no 'action'");
  else
    error(node, label + ": unknown action '" + text + "'" +
                    did_you_mean(closest(text, kActionNames)));
  return std::nullopt;
}

// A name close to one of this host's is a misspelling: an error in any rule.
bool Importer::misspelt(const YAML::Node& node, const std::string& label) {
  const std::string& n = node.Scalar();
  if (name_known(n) || libseccomp_knows_on_some_arch(n)) return false;
  const std::string hint = closest(n, sorted_syscall_names());
  if (hint.empty()) return false;
  error(node, label + ": unknown system call '" + n + "'" + did_you_mean(hint));
  return true;
}

// The list the entry's rules go to; nullopt when it is not imported.
std::optional<Target> Importer::entry_target(OciAction action, const YAML::Node& e,
                                             const std::string& label) {
  const ActionMapping& m = mapping(action);
  if (!m.entry_warning.empty())
    warn(label + ": " + with_action(m.entry_warning, e["action"].Scalar()));
  if (m.in_entry.empty()) return std::nullopt;
  Target t{std::string(m.in_entry), std::nullopt};
  if (m.enosys) t.err = ENOSYS;
  if (action != OciAction::errno_ret) return t;
  std::optional<std::uint64_t> v = static_cast<std::uint64_t>(errno_);
  if (e["errnoRet"]) v = unsigned_value(e["errnoRet"], label + ": errnoRet");
  if (!v) return std::nullopt;
  if (*v >= 1 && *v <= kMaxErrno) {
    if (static_cast<int>(*v) != errno_) t.err = static_cast<int>(*v);
  } else {
    warn(label + ": errnoRet " + e["errnoRet"].Scalar() +
         " cannot be expressed (0 would fake success); denied with the policy's errno");
  }
  return t;
}

void Importer::add_rules(const std::vector<YAML::Node>& names, const std::string& label,
                         Entry out, bool refuses,
                         const std::vector<std::vector<Cond>>& alternatives,
                         const Target& target) {
  for (const auto& node : names) {
    const std::string& n = node.Scalar();
    if (!name_known(n)) {
      // Another architecture's call (or one newer than these tables) left out of an allow rule
      // only refuses more; out of a deny rule it could let through a call the profile meant to
      // stop, so that fails the import too (issue 23).
      if (misspelt(node, label)) continue;
      if (refuses)
        error(node, label + ": '" + n + "' is not a system call on x86_64, i386 or x32 that "
                        "this build knows (libseccomp " + libseccomp_version() + " + the Linux " +
                        std::string(syscall_tables_release()) + " supplement); importing the "
                        "rule without it could let it run");
      else
        other_arch_names_.insert(n);
      continue;
    }
    for (const auto& conds : alternatives) out.rules.push_back({n, conds, target.err});
  }
  if (!out.rules.empty()) lists_[target.list].push_back(std::move(out));
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
  const auto action = entry_action(e, label);
  if (const auto why = excluded_by(e, label)) {
    for (const auto& node : names) misspelt(node, label);
    note(label + ": not imported: " + *why);
    ++dropped_;
    return;
  }
  if (!action) return;
  const auto target = entry_target(*action, e, label);
  if (!target) return;
  std::vector<std::vector<Cond>> alternatives;
  if (const YAML::Node args = e["args"]; args && args.IsSequence() && args.size() > 0) {
    if (!read_args(args, label, alternatives)) return;
  } else {
    alternatives.emplace_back();
  }
  Entry proto{label, {}};
  if (const YAML::Node c = e["comment"]; c && c.IsScalar() && !c.Scalar().empty())
    proto.label += ": " + one_line(c.Scalar());
  add_rules(names, label, std::move(proto), target->list != "allow" && target->list != "log",
            alternatives, *target);
}

}  // namespace xpledge::oci
