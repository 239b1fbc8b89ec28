#pragma once
#include <cstdint>
#include <vector>

namespace xpledge {

// One argument test in the shape a BPF program can make: (args[arg] & mask) == value, or,
// with at_most, args[arg] <= value (unsigned).
struct ArgTest {
  unsigned arg = 0;
  bool at_most = false;
  std::uint64_t mask = ~0ull;
  std::uint64_t value = 0;
  // value is the calling process's id, known only when the filter is built (kernel_grants,
  // for libxpledge's own filter); never set by register_grants.
  bool value_is_self = false;
  bool operator==(const ArgTest&) const = default;
};

// A disjunction of conjunctions of ArgTest; a conjunction tests each argument at most once
// (libseccomp takes one comparison per argument and rule). {} is "never", {{}} is "always".
using ArgAlternatives = std::vector<std::vector<ArgTest>>;

}  // namespace xpledge
