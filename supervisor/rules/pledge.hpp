#pragma once
// SYS_xpledge = 10000: per-process promise state and OpenBSD pledge(2) transitions. Pure: the
// tracer reads the strings and applies the result.
#include <cstdint>
#include <optional>
#include <string>

#include "policy.hpp"
#include "promises.hpp"
#include "syscalls.hpp"

namespace xpledge {

inline constexpr std::int64_t kSysXpledge = kXpledgeCallNr;
inline constexpr std::size_t kMaxPromiseString = 1024;  // longer -> EINVAL

struct PledgeState {
  std::optional<PromiseSet> promises;      // nullopt: never pledged, only the policy applies
  std::optional<PromiseSet> execpromises;  // nullopt: the next image starts unpledged
};

// One argument of the call as read from the tracee: NULL, a string, or an error (EFAULT).
struct PromiseArg {
  bool is_null = true;
  std::string text;
  int err = 0;
};

struct PledgeOutcome {
  int err = 0;          // 0, EINVAL, EPERM, EFAULT
  std::string detail;   // for the log: "unknown promise 'rpth'", "widening: wpath not held"
};

// OpenBSD semantics: unknown word -> EINVAL; a set not within the held one -> EPERM (but with
// `error` held, a widening request is trimmed to the held set and succeeds); NULL leaves that
// set unchanged; nothing changes unless both parts are valid.
PledgeOutcome apply_pledge(PledgeState& state, const PromiseArg& promises,
                           const PromiseArg& execpromises, const PromiseCatalogue& catalogue);

// A successful execve: the new image starts with the execpromises (which stay for later execs),
// or unpledged when none were set.
void pledge_on_exec(PledgeState& state);

struct PledgeVerdict {
  bool violation = false;
  int err = 0;           // errno when refused
  bool kill = false;     // violation: {kill} and no `error` promise
  std::string needed;    // promise that would allow it
};

// The promise half of a call's verdict (the policy's half is evaluated separately; both must
// allow). `violation_action` is the policy's `pledge: {violation: ...}`.
PledgeVerdict check_pledge(const PledgeState& state, const CallContext& ctx, std::int64_t tgid,
                           Action violation_action, const PromiseCatalogue& catalogue);

}  // namespace xpledge
