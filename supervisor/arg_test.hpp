#pragma once
#include <cstdint>

namespace xpledge {

// One argument test in the shape a BPF program can make: (args[arg] & mask) == value, or,
// with at_most, args[arg] <= value (unsigned).
struct ArgTest {
  unsigned arg = 0;
  bool at_most = false;
  std::uint64_t mask = ~0ull;
  std::uint64_t value = 0;
  bool operator==(const ArgTest&) const = default;
};

}  // namespace xpledge
