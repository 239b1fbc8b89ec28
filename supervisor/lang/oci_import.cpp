#include "oci_import.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "abi.hpp"
#include "errno_names.hpp"
#include "json_strict.hpp"
#include "name_hints.hpp"
#include "oci_importer.hpp"
#include "oci_tables.hpp"
#include "suggest.hpp"
#include "syscalls.hpp"
#include "yaml_emit.hpp"

namespace xpledge::oci {

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

// The scalar nodes of a string or a list of strings (nodes for positions).
std::vector<YAML::Node> string_nodes(const YAML::Node& n) {
  std::vector<YAML::Node> out;
  if (!n) return out;
  if (n.IsScalar()) out.push_back(n);
  if (n.IsSequence())
    for (const auto& x : n)
      if (x.IsScalar()) out.push_back(x);
  return out;
}

std::vector<std::string> string_list(const YAML::Node& n) {
  std::vector<std::string> out;
  for (const YAML::Node& x : string_nodes(n)) out.push_back(x.Scalar());
  return out;
}

bool name_known(const std::string& name) {
  return std::any_of(kAllAbis.begin(), kAllAbis.end(),
                     [&](Abi abi) { return syscall_nr(abi, name).has_value(); });
}

std::string position_text(const std::string& name, int line, int col) {
  return name + (line ? ":" + std::to_string(line) + ":" + std::to_string(col) : std::string());
}

std::string position_text(const std::string& name, const YAML::Mark& m) {
  // Always with a position, as yaml-cpp's exceptions have been reported (":0:0" for none).
  return name + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}


Importer::Importer(const std::string& name, const OciImportOptions& options,
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
  const ActionMapping& m = mapping(*a);
  if (m.as_default.empty())
    throw OciImportError(where(name_, d) + ": " + std::string(m.default_warning));
  default_action_ = m.as_default;
  if (m.enosys) errno_ = ENOSYS;
  if (!m.default_warning.empty()) warn(with_action(m.default_warning, d.Scalar()));
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

void Importer::read_profile(const YAML::Node& root) {
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
}

void Importer::throw_errors() {
  if (errors_.empty()) return;
  std::stable_sort(errors_.begin(), errors_.end(), [](const Problem& a, const Problem& b) {
    return std::pair(a.line, a.col) < std::pair(b.line, b.col);
  });
  std::vector<std::string> out;
  for (const Problem& p : errors_)
    out.push_back(position_text(name_, p.line, p.col) + ": error: " + p.text);
  throw OciImportError(std::move(out));
}

void Importer::final_warnings() {
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
}

std::string Importer::run(std::string_view json) {
  if (const auto bad = strict_json_error(json))
    throw OciImportError(std::vector<std::string>{
        position_text(name_, bad->line, bad->col) + ": error: not strict JSON: " + bad->message});
  YAML::Node root;
  try {
    root = YAML::Load(std::string(json));
  } catch (const YAML::Exception& e) {
    throw OciImportError(
        std::vector<std::string>{position_text(name_, e.mark) + ": error: not JSON: " + e.msg});
  }
  if (!root.IsMap()) throw OciImportError(name_ + ": not a seccomp profile (expected an object)");
  try {
    read_profile(root);
  } catch (const YAML::Exception& e) {
    throw OciImportError(
        std::vector<std::string>{position_text(name_, e.mark) + ": error: " + e.msg});
  }
  throw_errors();
  final_warnings();
  return write();
}

namespace {

std::string joined(const std::set<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : std::string(sep)) + s;
  return out;
}

}  // namespace

std::string Importer::write() const {
  PolicyDoc doc;
  doc.header = {
      "# xpledge policy imported from " + name_,
      "# (a Docker/OCI seccomp profile) by `xpledge import oci`, for an x86-64 host (amd64);",
      "# capabilities: " + (caps_.empty() ? std::string("none") : joined(caps_, " ")) +
          "; kernel: " + (options_.kernel.empty() ? std::string("any") : options_.kernel) + ".",
      "# Differences from the runtime: seccomp compares 64-bit arguments, xpledge's allow",
      "# conditions must also hold on the low 32 bits; a call through an ABI not in 'abis' is",
      "# denied (the runtime kills it); xpledge's own guards still apply."};
  if (!notes_.empty()) {
    doc.header.insert(doc.header.end(), {"#", "# Notes:"});
    for (const auto& n : notes_)
      for (auto& l : wrap_comment("#   -", "#    ", comment_words(n))) doc.header.push_back(l);
  }
  doc.default_action = default_action_;
  doc.errno_name = errno_name(errno_);
  for (Abi a : kAllAbis)
    if (abis_.contains(a)) doc.abis.emplace_back(abi_name(a));
  for (const char* list : {"allow", "deny", "kill", "log"}) {
    const auto it = lists_.find(list);
    if (it == lists_.end()) continue;
    DocList& out = doc.lists.emplace_back(DocList{list, {}});
    for (const Entry& e : it->second) {
      out.entries.push_back({{"# " + e.label}, std::nullopt});
      for (const OutRule& r : e.rules)
        out.entries.push_back(
            {{}, DocItem{r.syscall, {}, {}, r.conds, r.err ? errno_name(*r.err) : "", {}}});
    }
  }
  return emit_yaml(doc);
}

}  // namespace xpledge::oci

namespace xpledge {

namespace {

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
  oci::Importer imp(name, options, warnings);
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
