#pragma once
// Numbers and errnos as policy files write them and xpledge prints them: one parser (argument
// values, 'index', a numeric 'errno') and one formatter (`xpledge check`, `import oci`). Pure.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xpledge {

inline constexpr int kMaxErrno = 4095;  // the kernel's MAX_ERRNO

// Decimal, 0x hex or 0 octal (strtol conventions); a negative number is sign-extended, as a
// 64-bit register holds it. No sign '+', no leading space, nothing after the digits.
std::optional<std::uint64_t> parse_number(std::string_view text);

// Decimal below 4096 (flags and small counts read better so), else 0x hex.
std::string number_label(std::uint64_t v);

// "EPERM", or the number when the C library has no name for it.
std::string errno_label(int e);

// The errno a name stands for ("EACCES" -> 13), 1..kMaxErrno.
std::optional<int> errno_from_name(std::string_view name);
// Every errno name the C library knows, for "did you mean".
std::vector<std::string> errno_names();

}  // namespace xpledge
