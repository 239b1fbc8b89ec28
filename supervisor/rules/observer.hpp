#pragma once
// A hook into the tracer's decisions, for `xpledge learn` (record what a program needs) and
// `--stats` (count calls and denials). Called once per decided call, once it was carried out
// (a call restarted after the scratch area is attached is told when it comes back), from the
// tracer's single thread; must not throw.
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "abi.hpp"
#include "policy.hpp"

namespace xpledge {

struct CallRecord {
  pid_t pid = 0;                 // thread group
  pid_t tid = 0;
  std::string comm;              // filled only when the observer asks for it (wants_comm)
  std::string exe;               // /proc/PID/exe at the time of the call (wants_comm)
  Syscall call;
  const std::string* name = nullptr;  // the stop's own lookup (null: look it up)
  std::vector<PathArg> paths;    // resolved when the policy needs them or the observer asks
  Action action = Action::allow; // what was done (permissive mode: what would have been)
  int err = 0;
  bool would_deny = false;       // permissive mode: refused by the policy but let through
  const RuleRef* rule = nullptr;
  // Above: the verdict (the policy, guard, pledge and unveil): what learn records. Here: what
  // was done, the same unless carrying it out failed (an allowed call refused because its paths
  // or address could not be pinned, guard:path-scratch EAGAIN): what --stats counts.
  Action done = Action::allow;
  int done_err = 0;
  const RuleRef* done_rule = nullptr;
};

class CallObserver {
 public:
  virtual ~CallObserver() = default;
  // Resolve path arguments of every call (learn) instead of only when a rule needs them.
  virtual bool wants_paths() const { return false; }
  virtual bool wants_comm() const { return false; }
  virtual void on_call(const CallRecord& record) = 0;
};

}  // namespace xpledge
