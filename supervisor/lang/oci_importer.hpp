#pragma once
// Inside `import oci`, shared by oci_import.cpp (the profile, its default and architectures, the
// output) and lang/oci_entry.cpp (one entry of 'syscalls'). Not an API: see oci_import.hpp.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "abi.hpp"
#include "errno_names.hpp"
#include "oci_import.hpp"
#include "oci_tables.hpp"
#include "suggest.hpp"
#include "yaml_emit.hpp"

namespace xpledge::oci {

inline constexpr std::uint64_t kMaxArgIndex = 5;

// "p.json:3:7" (or "p.json" without a position).
std::string where(const std::string& name, const YAML::Node& n);
// "p.json:3:7", or "p.json" for line 0 (no position).
std::string position_text(const std::string& name, int line, int col);
// "p.json:3:7" from a yaml-cpp exception's mark.
std::string position_text(const std::string& name, const YAML::Mark& m);
// One line, safe inside a YAML comment.
std::string one_line(std::string_view s);
// The scalar nodes of a string or a list of strings (nodes for positions), and their text.
std::vector<YAML::Node> string_nodes(const YAML::Node& n);
std::vector<std::string> string_list(const YAML::Node& n);
// A system call of x86_64, i386 or x32.
bool name_known(const std::string& name);

using Cond = DocArg;

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

// Where an entry's rules go: a list, and their errno if not the policy's.
struct Target {
  std::string list;
  std::optional<int> err;
};

class Importer {
 public:
  Importer(const std::string& name, const OciImportOptions& options,
           std::vector<std::string>& warnings);

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
  void read_profile(const YAML::Node& root);
  void read_default(const YAML::Node& root);
  void read_arches(const YAML::Node& root);
  void read_entry(const YAML::Node& e, std::size_t i);
  std::optional<OciAction> entry_action(const YAML::Node& e, const std::string& label);
  bool misspelt(const YAML::Node& name, const std::string& label);
  std::optional<Target> entry_target(OciAction action, const YAML::Node& e,
                                     const std::string& label);
  void add_rules(const std::vector<YAML::Node>& names, const std::string& label, Entry out,
                 bool refuses,
                 const std::vector<std::vector<Cond>>& alternatives, const Target& target);
  std::optional<std::string> excluded_by(const YAML::Node& e, const std::string& label);
  bool read_args(const YAML::Node& args, const std::string& label,
                 std::vector<std::vector<Cond>>& alternatives);
  void throw_errors();
  void final_warnings();
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

}  // namespace xpledge::oci
