#include "numbers.hpp"

#include <cerrno>
#include <cstdio>
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

std::string number_label(std::uint64_t v) {
  if (v < 4096) return std::to_string(v);
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace xpledge
