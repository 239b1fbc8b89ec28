#pragma once
// The number syntax of policy files and the promise catalogue. Pure.
#include <cstdint>
#include <optional>
#include <string_view>

namespace xpledge {

// Decimal, 0x hexadecimal or 0 octal (strtol conventions); a negative number is sign-extended,
// as a 64-bit register holds a negative int. nullopt for anything else (a sign '+', spaces,
// trailing text, out of range).
std::optional<std::uint64_t> parse_number(std::string_view text);

}  // namespace xpledge
