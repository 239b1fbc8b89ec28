#pragma once
// A policy is an immutable value with a pure evaluate(): no I/O, no kernel. The tracer resolves
// what a rule needs (paths) into a CallContext; evaluate() answers with a Verdict naming the rule.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "abi.hpp"

namespace xpledge {

// Severity order matters: kill > deny > log > allow.
enum class Action : std::uint8_t { allow, log, deny, kill };
std::string_view action_name(Action a);

struct SourcePos {
  std::string file;  // as given on the command line or include:, "<default>" for the embedded one
  int line = 0;      // 1-based; 0 = no position
  int col = 0;
};

// Which rule decided a call.
struct RuleRef {
  std::string list;  // "allow" | "deny" | "kill" | "log" | "default" | "abi" | "promises"
  std::size_t index = 0;  // index in that list (0 for default/abi)
  SourcePos pos;
  // "deny[2]@web.yaml:12:5", "default@web.yaml:3:10", "default@<default>"
  std::string describe() const;
};

struct Verdict {
  Action action = Action::allow;
  int err = 0;                     // errno for a denial (the rule's, else the policy's)
  const RuleRef* rule = nullptr;   // owned by the Policy; never null from evaluate()
};

enum class Access : std::uint8_t { read, write, create, exec };
std::string_view access_name(Access a);

// A path argument as the kernel would resolve it (absolute, `.`/`..`/`//` normalised).
struct PathArg {
  std::string path;
  Access access = Access::read;
  int err = 0;  // non-zero: could not be read (EFAULT) or resolved; rules with path: then deny
};

struct CallContext {
  Syscall call;
  std::span<const PathArg> paths;  // filled by the tracer when Policy::needs_paths() says so
};

class Policy {
 public:
  struct Impl;
  explicit Policy(std::shared_ptr<const Impl> impl);

  Verdict evaluate(const CallContext& ctx) const;
  // Does some rule for (abi, nr) look at paths? Then the tracer must resolve them first.
  bool needs_paths(Abi abi, std::int64_t nr) const;
  // Is (abi, nr) allowed whatever its arguments, with nothing to log? Then it need not stop at
  // all (seccomp pre-filter RET_ALLOW).
  bool allows_unconditionally(Abi abi, std::int64_t nr) const;
  bool abi_allowed(Abi abi) const;
  int default_errno() const;
  const std::string& source() const;  // file the policy was loaded from

  const Impl& impl() const { return *impl_; }

 private:
  std::shared_ptr<const Impl> impl_;
};

}  // namespace xpledge
