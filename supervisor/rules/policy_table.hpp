#pragma once
// A policy as constant tables (rule_table.hpp), for the default policy: gen_default_policy
// writes it at build time from policies/default.yaml through the one loader, and the binary
// builds the same value from it without parsing YAML at start-up (test_builtin_tables).
#include <cstdint>
#include <string>
#include <string_view>

#include "policy.hpp"
#include "rule_table.hpp"

namespace xpledge {

struct RefRow {
  std::string_view list;
  std::uint32_t index = 0;
  std::string_view file;
  int line = 0;
  int col = 0;
};

struct PolicyTable {
  std::string_view source;
  Action default_action = Action::deny;
  int err = 0;
  bool abis[kAllAbis.size()] = {};
  RefRow default_ref, abi_ref, promises_ref, unknown_ref;
  bool allow_unknown = false;
  bool has_promises = false;
  std::uint64_t promises = 0;  // bit per promise id
  Action pledge_violation = Action::deny;
  RuleTable rules;
};

Policy policy_from_table(const PolicyTable& table);
// The C++ source of `const PolicyTable& FUNCTION()` holding `policy` (the generator). Throws
// std::runtime_error for what it cannot represent (a policy bound to the filesystem).
std::string emit_policy_table(const Policy& policy, std::string_view function);

}  // namespace xpledge
