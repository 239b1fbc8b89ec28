#include "errno_names.hpp"

#include <cstring>

namespace xpledge {

std::string errno_name(int err) {
  if (const char* n = strerrorname_np(err)) return n;
  return std::to_string(err);
}

std::optional<int> errno_from_name(std::string_view name) {
  for (int e = 1; e <= kMaxErrno; ++e)
    if (const char* n = strerrorname_np(e); n && name == n) return e;
  return std::nullopt;
}

std::vector<std::string> errno_names() {
  std::vector<std::string> out;
  for (int e = 1; e <= kMaxErrno; ++e)
    if (const char* n = strerrorname_np(e)) out.emplace_back(n);
  return out;
}

}  // namespace xpledge
