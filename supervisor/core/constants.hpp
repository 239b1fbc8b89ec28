#pragma once
// Named constants for argument values, from the C library's headers: the one table the policy
// loader and the promise catalogue read (x86-64 values; i386 and x32 share them for all listed).
// Signed ones (AT_FDCWD) are stored sign-extended, as a 64-bit register holds them.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace xpledge {

std::optional<std::uint64_t> constant_value(std::string_view name);
// Every name, in table order (for "did you mean").
std::vector<std::string_view> constant_names();

}  // namespace xpledge
