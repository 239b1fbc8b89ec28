#pragma once
// Inside the policy loader, shared by policy_load.cpp (settings, rules, the API) and
// lang/policy_include.cpp ('include:'). Not an API: see policy_load.hpp.
#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy.hpp"
#include "yaml_doc.hpp"

namespace xpledge {

// Rule lists in evaluation order.
inline constexpr std::array kListOrder{Action::kill, Action::deny, Action::log, Action::allow};
using Lists = std::array<std::vector<Rule>, kListOrder.size()>;

inline std::size_t list_slot(Action a) {
  return static_cast<std::size_t>(std::find(kListOrder.begin(), kListOrder.end(), a) -
                                  kListOrder.begin());
}

inline constexpr std::string_view kTopKeys[] = {"version", "default", "errno", "abis", "unknown",
                                         "promises", "pledge", "include", "allow", "deny",
                                         "kill", "log"};
// Keys only the top-level policy may set; an included file contributes rules only.
inline constexpr std::string_view kTopOnlyKeys[] = {"default", "errno", "abis", "unknown", "promises",
                                             "pledge"};
inline constexpr std::string_view kRuleKeys[] = {"syscall", "path", "access", "args", "errno"};
inline constexpr std::string_view kArgKeys[] = {"index", "op", "value"};
inline constexpr std::string_view kPledgeKeys[] = {"violation"};

class Loader : public DocReader {
 public:
  Policy load(std::string_view yaml, const std::string& file);

 private:
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

  std::vector<std::string> stack_display_;         // include chain, as displayed
  std::vector<std::filesystem::path> stack_real_;  // include chain, canonical (for cycles)
};

}  // namespace xpledge
