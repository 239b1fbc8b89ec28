#include "rule_binding.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "path_match.hpp"

namespace xpledge {

namespace {

bool has_wildcard(std::string_view component) {
  return component.find_first_of("*?[") != std::string_view::npos;
}

std::optional<FileId> stat_id(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileId{st.st_dev, st.st_ino};
}

}  // namespace

std::string glob_literal_prefix(std::string_view glob) {
  std::string out;
  std::size_t i = 0;
  while (i < glob.size()) {
    while (i < glob.size() && glob[i] == '/') ++i;
    if (i >= glob.size()) break;
    const auto j = std::min(glob.find('/', i), glob.size());
    const auto comp = glob.substr(i, j - i);
    if (has_wildcard(comp)) break;
    out += '/';
    out += comp;
    i = j;
  }
  return out.empty() ? "/" : out;
}

void bind_rule_paths(Policy::Impl& impl) {
  for (Rule& r : impl.rules) {
    const bool stops = r.action == Action::deny || r.action == Action::kill;
    for (const std::string& glob : r.paths) {
      const std::string prefix = glob_literal_prefix(glob);
      std::error_code ec;
      // Symlinks in the existing part of the prefix resolved; a missing tail kept as written.
      const std::string real = std::filesystem::weakly_canonical(prefix, ec).string();
      if (!ec && !real.empty() && real != prefix && real.front() == '/' &&
          !real.starts_with("/proc/")) {
        const std::string rest = glob.substr(std::min(prefix.size(), glob.size()));
        r.bound_paths.push_back(real == "/" ? (rest.empty() ? "/" : rest) : real + rest);
      }
      if (!stops || prefix == "/") continue;
      const auto id = stat_id(prefix);
      if (!id) continue;
      if (prefix == glob) {
        r.file_ids.push_back(*id);
      } else if (std::none_of(impl.dir_anchors.begin(), impl.dir_anchors.end(),
                              [&](const DirAnchor& a) { return a.id == *id; })) {
        impl.dir_anchors.push_back(DirAnchor{*id, real.empty() || ec ? prefix : real});
      }
    }
  }
}

}  // namespace xpledge
