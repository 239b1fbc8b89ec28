#include "unveil.hpp"

#include <cerrno>

namespace xpledge {

std::optional<unsigned> parse_unveil_permissions(std::string_view text) {
  unsigned bits = 0;
  for (const char c : text) {
    switch (c) {
      case 'r': bits |= kUnveilRead; break;
      case 'w': bits |= kUnveilWrite; break;
      case 'x': bits |= kUnveilExec; break;
      case 'c': bits |= kUnveilCreate; break;
      default: return std::nullopt;
    }
  }
  return bits;
}

UnveilOutcome apply_unveil(UnveilState& state, const std::optional<std::string>& path,
                           const std::optional<std::string>& permissions) {
  if (state.locked) return {EPERM, "unveil is locked"};
  if (!path && !permissions) {
    state.locked = true;
    return {};
  }
  if (!path || !permissions) return {EINVAL, "one of path and permissions is NULL"};
  const auto bits = parse_unveil_permissions(*permissions);
  if (!bits) return {EINVAL, "permissions other than r, w, x, c: '" + *permissions + "'"};
  const auto it = state.paths.find(*path);
  if (it != state.paths.end()) {
    if (*bits & ~it->second) return {EPERM, "would add permissions to " + *path};
    it->second = *bits;
  } else {
    if (state.paths.size() >= kMaxUnveiledPaths) return {E2BIG, "too many unveiled paths"};
    state.paths.emplace(*path, *bits);
  }
  state.active = true;
  return {};
}

int check_unveil(const UnveilState& state, std::string_view path, Access access) {
  if (!state.active) return 0;
  // The most specific covering entry: the path itself, then each directory above it.
  std::string_view p = path;
  for (;;) {
    const auto it = state.paths.find(std::string(p));
    if (it != state.paths.end()) {
      unsigned need = kUnveilRead;
      switch (access) {
        case Access::read: need = kUnveilRead; break;
        case Access::write: need = kUnveilWrite; break;
        case Access::create: need = kUnveilCreate; break;
        case Access::exec: need = kUnveilExec; break;
      }
      return (it->second & need) ? 0 : EACCES;
    }
    if (p == "/" || p.empty()) return ENOENT;
    const auto slash = p.rfind('/');
    p = slash == 0 ? std::string_view("/") : p.substr(0, slash);
  }
}

}  // namespace xpledge
