#include "rule_binding.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <system_error>

#include "file_id.hpp"
#include "path_match.hpp"

namespace xpledge {

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
      const auto id = file_id_of(prefix);
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

std::vector<AddrRange> bound_nameservers(const std::string& resolv_conf) {
  constexpr std::size_t kMaxBytes = 64 << 10;  // a resolv.conf is a few lines
  std::string text;
  if (std::FILE* f = std::fopen(resolv_conf.c_str(), "re")) {
    char buf[4096];
    std::size_t n = 0;
    while (text.size() < kMaxBytes && (n = std::fread(buf, 1, sizeof buf, f)) > 0)
      text.append(buf, n);
    std::fclose(f);
  }
  // Unreadable or missing: what the resolver itself then uses (the one on this machine).
  return nameservers_of_resolv_conf(text);
}

Policy bound_to_filesystem(const Policy& policy) {
  auto impl = std::make_shared<Policy::Impl>(policy.impl());
  bind_rule_paths(*impl);
  impl->nameservers = bound_nameservers("/etc/resolv.conf");
  return Policy(std::move(impl));
}

bool anchor_moved(const DirAnchor& a) { return file_id_of(a.prefix) != a.id; }

bool bound_by_deny_rule(const Policy::Impl& impl, const FileId& id) {
  return std::any_of(impl.rules.begin(), impl.rules.end(),
                     [&](const Rule& r) {
                       return std::find(r.file_ids.begin(), r.file_ids.end(), id) !=
                              r.file_ids.end();
                     }) ||
         std::any_of(impl.dir_anchors.begin(), impl.dir_anchors.end(),
                     [&](const DirAnchor& a) { return a.id == id; });
}

}  // namespace xpledge
