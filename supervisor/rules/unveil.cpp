#include "unveil.hpp"

#include <algorithm>
#include <array>
#include <cerrno>

namespace xpledge {

namespace {

constexpr std::array<std::string_view, 16> kBlind = {
    "bpf",           "fanotify_mark",     "fsconfig",          "fsmount",
    "fsopen",        "fspick",            "io_uring_enter",    "io_uring_register",
    "io_uring_setup", "lookup_dcookie",   "mount_setattr",     "move_mount",
    "open_by_handle_at", "pidfd_getfd",   "quotactl",          "socketcall",
};

}  // namespace

std::span<const std::string_view> unveil_blind_syscalls() { return kBlind; }

bool reaches_files_unseen(std::string_view name) {
  return std::binary_search(kBlind.begin(), kBlind.end(), name);
}

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

ChildUnveil child_unveil_view(long installed_count, long child_count, long forker_count,
                              bool own_filters) {
  if (installed_count == 0) return ChildUnveil::copy;
  if (child_count < 0 || (own_filters && forker_count < 0)) return ChildUnveil::unknown;
  // Without filters of the program's own every thread has the same count: the recorded one.
  // With them only the forking thread tells: it has the unveil filter (TSYNC reached every
  // thread before the commit) and the child has all it had when it forked.
  const long need = own_filters ? forker_count : installed_count;
  if (child_count >= need) return ChildUnveil::copy;
  return own_filters ? ChildUnveil::unknown : ChildUnveil::forked_before;
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
