#pragma once
// The number syntax of policy files and the promise catalogue, and how xpledge prints a
// number. Pure.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xpledge {

// Decimal, 0x hexadecimal or 0 octal (strtol conventions); a negative number is sign-extended,
// as a 64-bit register holds a negative int. nullopt for anything else (a sign '+', spaces,
// trailing text, out of range).
std::optional<std::uint64_t> parse_number(std::string_view text);

// A number as xpledge prints it (`check`, `import oci`): decimal below 4096 (flags and small
// counts read better so), else 0x hex.
std::string number_label(std::uint64_t v);

}  // namespace xpledge
