#pragma once
// Position of an ABI in kAllAbis, for the per-ABI arrays of tables, rules and promises.
#include <cstddef>

#include "abi.hpp"

namespace xpledge {

constexpr std::size_t abi_index(Abi abi) { return static_cast<std::size_t>(abi); }

}  // namespace xpledge
