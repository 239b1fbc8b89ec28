#pragma once
// The one loader shared by run, check and learn: YAML -> Policy, or every error positioned as
// "file:line:col: error: ..." (with a "did you mean" hint for misspelt names). The only place,
// with the CLI's parsing (cli/), that throws.
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "policy.hpp"

namespace xpledge {

struct Diagnostic {
  SourcePos pos;
  std::string message;  // without the position, e.g. "unknown syscall 'opneat' ..."
  std::string format() const;  // "file:line:col: error: message"
};

class PolicyError : public std::runtime_error {
 public:
  explicit PolicyError(std::vector<Diagnostic> diags);
  const std::vector<Diagnostic>& diagnostics() const { return diags_; }

 private:
  std::vector<Diagnostic> diags_;
};

Policy load_policy_file(const std::string& path);
Policy load_policy_string(std::string_view yaml, const std::string& name);
// The policy compiled into the binary (policies/default.yaml), used when --policy is absent.
Policy load_default_policy();

// An `include:` entry naming the built-in default policy: its rule lists (deny, kill, log,
// allow), without its settings. What `xpledge learn` writes, so that a learned allow-list
// keeps the default's denies and argument limits (issue 20).
inline constexpr std::string_view kBuiltinDefault = "builtin:default";

}  // namespace xpledge
