#pragma once
// One rule engine: how a Rule (policy.hpp) matches a call, and the four questions the tracer and
// the seccomp pre-filter ask of the rules for one (abi, nr). Policy rules and the promise
// catalogue's rules (promises.hpp compiles each entry into a Rule) both go through here. Pure.
#include <cstdint>
#include <span>
#include <vector>

#include "arg_test.hpp"
#include "policy.hpp"

namespace xpledge {

// The access class of an open from its flags: create (O_CREAT, O_TMPFILE), write (O_WRONLY,
// O_RDWR, O_TRUNC; also the ioctl-only access mode 3), or read.
Access open_access(std::uint64_t flags);

bool rule_matches(const Rule& r, const CallContext& ctx);
// The name part of a path condition, whatever the access: does a path with no error lie where
// `r` says? (Permitting rules: the object reached; stopping rules: any name it has.)
bool names_match(const Rule& r, const PathArg& p);

// The rules one (abi, nr) is judged by, in evaluation order. With `set`, they are promise rules
// and only those of promises in the set apply.
struct RuleRange {
  const std::vector<Rule>& rules;
  std::span<const std::size_t> order;
  const PromiseSet* set = nullptr;
  bool applies(const Rule& r) const;
};

// evaluate(): the first applicable rule that matches, or nullptr.
const Rule* first_match(const RuleRange& range, const CallContext& ctx);
// needs_paths(): does an applicable rule look at memory (paths, a socket address)? Then the
// tracer reads them first, and the pre-filter and pledge filters let the call stop.
bool needs_paths(const RuleRange& range);
// allows_unconditionally(): a stop is needed (some kill/deny/log rule comes first), the call is
// allowed whatever its arguments, or the rules leave it to what comes after them.
enum class Unconditional : std::uint8_t { stops, allows, undecided };
Unconditional unconditional(const RuleRange& range);
// register_grants(): adds to `granted` the register-only alternatives under which an allow rule
// of the range matches a call in `open`, narrowing `open` to the calls no stopping rule matches.
// Sound, not complete. gave_up: a deny, kill or log rule of the policy names paths or an
// address (only the tracer can read them; an allow rule that does is left out);
// closed: no call is left in `open`. Promise rules the registers cannot express (paths, open
// classes, the caller's pid, two `in` limits) are left out: those calls keep stopping.
enum class Narrowed : std::uint8_t { open, closed, gave_up };
Narrowed narrow(const RuleRange& range, ArgAlternatives& open, ArgAlternatives& granted);

}  // namespace xpledge
