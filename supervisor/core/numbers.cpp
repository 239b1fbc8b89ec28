#include "numbers.hpp"

#include <cerrno>
#include <cstdlib>
#include <string>

namespace xpledge {

std::optional<std::uint64_t> parse_number(std::string_view text) {
  const std::string s(text);
  if (s.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const std::uint64_t v = s.front() == '-'
                              ? static_cast<std::uint64_t>(std::strtoll(s.c_str(), &end, 0))
                              : std::strtoull(s.c_str(), &end, 0);
  if (errno != 0 || *end != '\0' || s.front() == '+' || s.front() == ' ') return std::nullopt;
  return v;
}

}  // namespace xpledge
