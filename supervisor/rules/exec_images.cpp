#include "exec_images.hpp"

#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <charconv>

#include <algorithm>

#include "path_match.hpp"
#include "syscalls.hpp"

namespace xpledge {

namespace {

bool is_exec_call(std::string_view name) { return name == "execve" || name == "execveat"; }

const Rule* rule_of(const Policy& policy, const RuleRef* ref) {
  for (const Rule& r : policy.impl().rules)
    if (&r.ref == ref) return &r;
  return nullptr;
}

bool refuses(Action a) { return a == Action::deny || a == Action::kill; }

// The first five fields of a /proc/PID/maps line ("start-end perms offset dev inode"); `rest`
// is left at what follows them (the path, after its padding). False if the line is short.
bool split_maps_fields(std::string_view& rest, std::string_view (&fields)[5]) {
  for (auto& f : fields) {
    const std::size_t start = rest.find_first_not_of(' ');
    if (start == std::string_view::npos) return false;
    rest = rest.substr(start);
    const std::size_t end = rest.find(' ');
    f = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  }
  return true;
}

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
    const bool ok = split_maps_fields(rest, fields);
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
                                             const FileIdFn& file_id,
                                             const OtherNamesFn& other_names) {
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
      const int err = r.action == Action::deny ? r.err.value_or(policy.default_errno()) : 0;
      for (const std::string& p : r.paths) {
        if (glob_has_wildcard(p)) {
          if (!other_names) continue;
          for (const std::string& name : other_names(image, glob_literal_prefix(p)))
            if (glob_match(p, name)) return ExecRefusal{Verdict{r.action, err, &r.ref}, image.path};
          continue;
        }
        if (p == image.path || file_id(p) != image.id) continue;
        return ExecRefusal{Verdict{r.action, err, &r.ref}, image.path};
      }
    }
  }
  return std::nullopt;
}

std::optional<std::string> shebang_interpreter(std::string_view head) {
  constexpr std::size_t kBufSize = 256;  // BINPRM_BUF_SIZE
  if (!head.starts_with("#!")) return std::nullopt;
  head = head.substr(2, kBufSize - 2);
  head = head.substr(0, head.find('\n'));
  const std::size_t start = head.find_first_not_of(" \t");
  if (start == std::string_view::npos) return std::nullopt;
  head = head.substr(start);
  return std::string(head.substr(0, head.find_first_of(" \t")));
}

ExecMapCall exec_map_call(const Syscall& call) {
  static const CallNumbers mmap("mmap"), mmap2("mmap2"), mprotect("mprotect"),
      pkey_mprotect("pkey_mprotect"), personality("personality");
  if (mmap.is(call)) return call.abi == Abi::i386 ? ExecMapCall::old_mmap : ExecMapCall::mmap;
  if (mmap2.is(call)) return ExecMapCall::mmap;
  if (mprotect.is(call) || pkey_mprotect.is(call)) return ExecMapCall::mprotect;
  if (personality.is(call)) return ExecMapCall::personality;
  return ExecMapCall::none;
}

std::optional<ArgAlternatives> exec_map_unseen(std::string_view name) {
  const ArgTest no_exec{2, false, PROT_EXEC, 0};
  // An anonymous PROT_EXEC mmap stops too (it is then let through): a second alternative on
  // the flags (MAP_ANONYMOUS) next to the scratch area's limits makes libseccomp 2.5.4 loop for
  // ever building the filter.
  if (name == "mmap" || name == "mprotect" || name == "pkey_mprotect")
    return ArgAlternatives{{no_exec}};
  // personality(0xffffffff) only asks; it has the bit set and stops, which costs nothing.
  if (name == "personality") return ArgAlternatives{{{0, false, READ_IMPLIES_EXEC, 0}}};
  return std::nullopt;
}

bool exec_map_wanted(const Syscall& call, unsigned long personality) {
  // i386 arguments are 32 bits: the low half only.
  const auto arg = [&](std::size_t i) { return call.args[i] & 0xffffffffULL; };
  const auto exec = [&](std::uint64_t prot) {
    return (prot & PROT_EXEC) != 0 ||
           ((prot & PROT_READ) != 0 && (personality & READ_IMPLIES_EXEC) != 0);
  };
  switch (exec_map_call(call)) {
    case ExecMapCall::none: return false;
    case ExecMapCall::mmap: return (arg(3) & MAP_ANONYMOUS) == 0 && exec(arg(2));
    case ExecMapCall::mprotect: return exec(arg(2));
    case ExecMapCall::old_mmap: return true;
    case ExecMapCall::personality:
      return arg(0) != 0xffffffffULL && (arg(0) & READ_IMPLIES_EXEC) != 0;
  }
  return true;
}

namespace {

std::optional<std::uint64_t> hex(std::string_view s) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Memory that /proc/PID/maps names like a file, on the kernel's internal shmem/hugetlb mounts.
bool memory_not_file(std::string_view path, std::uint64_t major) {
  return major == 0 && (path == "/dev/zero (deleted)" || path.starts_with("/SYSV") ||
                        path == "/anon_hugepage (deleted)");
}

}  // namespace

std::vector<MappedFile> mapped_files(std::string_view maps, std::uint64_t lo, std::uint64_t hi) {
  std::vector<MappedFile> out;
  while (!maps.empty()) {
    const std::size_t nl = maps.find('\n');
    std::string_view rest = maps.substr(0, nl);
    maps = nl == std::string_view::npos ? std::string_view{} : maps.substr(nl + 1);
    std::string_view f[5];
    if (!split_maps_fields(rest, f)) continue;
    const std::size_t dash = f[0].find('-'), colon = f[3].find(':');
    if (dash == std::string_view::npos || colon == std::string_view::npos) continue;
    const auto start = hex(f[0].substr(0, dash)), end = hex(f[0].substr(dash + 1));
    const auto major = hex(f[3].substr(0, colon)), minor = hex(f[3].substr(colon + 1));
    std::uint64_t inode = 0;
    const auto [p, ec] = std::from_chars(f[4].data(), f[4].data() + f[4].size(), inode);
    if (!start || !end || !major || !minor || ec != std::errc{} || p != f[4].data() + f[4].size())
      continue;
    if (*end <= lo || *start >= hi || inode == 0) continue;
    const std::size_t at = rest.find_first_not_of(' ');
    const std::string_view path = at == std::string_view::npos ? "" : rest.substr(at);
    if (path.empty() || path.front() == '[' || memory_not_file(path, *major)) continue;
    out.push_back(MappedFile{*start, *end, f[1].size() >= 3 && f[1][2] == 'x', std::string(path),
                             {makedev(static_cast<unsigned>(*major), static_cast<unsigned>(*minor)),
                              static_cast<ino_t>(inode)}});
  }
  return out;
}

}  // namespace xpledge
