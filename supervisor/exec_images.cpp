#include "exec_images.hpp"

#include <cerrno>

#include <algorithm>

#include "syscalls.hpp"

namespace xpledge {

namespace {

bool is_exec_call(std::string_view name) { return name == "execve" || name == "execveat"; }

bool has_glob(std::string_view p) { return p.find_first_of("*?[") != std::string_view::npos; }

const Rule* rule_of(const Policy& policy, const RuleRef* ref) {
  for (const Rule& r : policy.impl().rules)
    if (&r.ref == ref) return &r;
  return nullptr;
}

bool refuses(Action a) { return a == Action::deny || a == Action::kill; }

}  // namespace

std::vector<std::string> exec_image_paths(std::string_view exe_link, std::string_view maps) {
  std::vector<std::string> out;
  if (!exe_link.empty()) out.emplace_back(exe_link);
  // "start-end perms offset dev inode   path"; the path is the rest of the line after the
  // inode (it may hold spaces, and " (deleted)").
  while (!maps.empty()) {
    const std::size_t nl = maps.find('\n');
    std::string_view line = maps.substr(0, nl);
    maps = nl == std::string_view::npos ? std::string_view{} : maps.substr(nl + 1);
    std::string_view rest = line;
    std::string_view fields[5];
    bool ok = true;
    for (auto& f : fields) {
      const std::size_t start = rest.find_first_not_of(' ');
      if (start == std::string_view::npos) {
        ok = false;
        break;
      }
      rest = rest.substr(start);
      const std::size_t end = rest.find(' ');
      f = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
    }
    if (!ok || fields[1].size() < 3 || fields[1][2] != 'x' || fields[4] == "0") continue;
    const std::size_t start = rest.find_first_not_of(' ');
    if (start == std::string_view::npos) continue;
    const std::string path(rest.substr(start));
    if (path.empty() || path.front() == '[') continue;  // [vdso], [vsyscall]
    if (std::find(out.begin(), out.end(), path) == out.end()) out.push_back(path);
  }
  return out;
}

bool anonymous_image(std::string_view path) {
  constexpr std::string_view kDeleted = " (deleted)";
  return path.starts_with("/memfd:") || path.ends_with(kDeleted) || !path.starts_with("/");
}

bool has_exec_path_rules(const Policy& policy) {
  return std::any_of(policy.impl().rules.begin(), policy.impl().rules.end(), [](const Rule& r) {
    return is_exec_call(r.syscall) && r.has_path_conditions();
  });
}

std::optional<ExecRefusal> judge_exec_images(const Policy& policy, Abi abi, std::int64_t nr,
                                             const std::vector<ExecImage>& images,
                                             const FileIdFn& file_id) {
  static const RuleRef kAnonymous{"exec:anonymous", 0, {}};
  for (const ExecImage& image : images) {
    const PathArg arg = PathArg::of(image.path, Access::exec);
    const Verdict v = policy.evaluate(CallContext{Syscall{abi, nr, {}}, {&arg, 1}});
    const Rule* decided = rule_of(policy, v.rule);
    // Refused by a path rule (not by `default`: the call's own path was allowed at the call,
    // and an allow-list need not name every loader and symlink target).
    if (refuses(v.action) && decided && decided->has_path_conditions())
      return ExecRefusal{v, image.path};
    if (anonymous_image(image.path)) {
      if (!decided || !decided->has_path_conditions())
        return ExecRefusal{Verdict{Action::deny, EACCES, &kAnonymous}, image.path};
    }
    if (!image.id) continue;
    for (const Rule& r : policy.impl().rules) {
      if (!refuses(r.action) || !is_exec_call(r.syscall)) continue;
      if (r.access && *r.access != Access::exec) continue;
      for (const std::string& p : r.paths) {
        if (has_glob(p) || p == image.path || file_id(p) != image.id) continue;
        const int err = r.action == Action::deny ? r.err.value_or(policy.default_errno()) : 0;
        return ExecRefusal{Verdict{r.action, err, &r.ref}, image.path};
      }
    }
  }
  return std::nullopt;
}

}  // namespace xpledge
