// How `xpledge learn` widens literal path rules to directory trees, and where it must not
// (issue 20, item 2): a program that read 40 headers under /usr/include reads /usr/include/**;
// a web root that served one page serves a page added later. A tree is a rule Landlock holds
// exactly (bpf/landlock_plan): the kernel judges the object a symlink in it reaches.
#include <algorithm>
#include <map>

#include "learn.hpp"
#include "path_match.hpp"

namespace xpledge {

namespace {

// A tree's directory has at least this many components: never /usr/**, /etc/** or /tmp/**.
constexpr std::size_t kMinTreeDepth = 2;

// The machine's and its users' secrets: no tree contains one or lies inside one.
constexpr std::string_view kSensitivePaths[] = {
    "/etc/shadow",     "/etc/shadow-", "/etc/gshadow",    "/etc/gshadow-",   "/etc/sudoers",
    "/etc/sudoers.d",  "/etc/ssh",     "/etc/ssl/private", "/etc/xpledge",   "/etc/krb5.keytab",
    "/etc/security",   "/root",        "/boot",           "/var/lib/sudo",   "/var/log",
    "/run/secrets",    "/var/run/secrets"};
// Names of credential stores wherever they are (~/.ssh...): no tree contains or enters one.
constexpr std::string_view kSensitiveNames[] = {
    ".ssh", ".gnupg", ".aws", ".azure", ".kube", ".docker", ".password-store", ".netrc",
    ".pki", "keyrings", ".git-credentials", ".pgpass", ".vault-token"};
// Kernel interfaces: what is below them is not a set of files a program ships with.
constexpr std::string_view kKernelRoots[] = {"proc", "sys", "dev", "run"};
// Temporary directories every program of the machine shares: a tree there would take in other
// programs' temporary files (a Kerberos ticket cache, /tmp/krb5cc_UID). A private $TMPDIR
// below one may hold a tree.
constexpr std::string_view kSharedTempDirs[] = {"/tmp", "/var/tmp", "/dev/shm"};

bool under_or_at(std::string_view path, std::string_view dir) {
  if (dir == "/") return true;
  return path == dir || (path.size() > dir.size() && path.substr(0, dir.size()) == dir &&
                         path[dir.size()] == '/');
}

std::string parent_of(std::string_view p) {
  const std::size_t slash = p.rfind('/');
  return slash == 0 || slash == std::string_view::npos ? "/" : std::string(p.substr(0, slash));
}

PathKind kind_of(const LearnOptions& o, const std::string& path) {
  return o.path_kind ? o.path_kind(path) : PathKind::file;
}

std::string tree_of(const std::string& dir) { return glob_escape(dir) + "/**"; }

// A temporary name's glob (generalise_temp_component: "/build/tmp/cc*.s") widened like a file:
// the tree of its directory, when that is a temporary directory (or below one), exists, and
// may hold a tree. Landlock cannot hold "cc*.s"; it holds "/build/tmp/**" exactly, so the opens
// of a build whose $TMPDIR is private need not stop. "" to keep the glob (in /tmp itself).
std::string temp_tree(const std::string& pattern, const LearnOptions& o) {
  const std::size_t slash = pattern.rfind('/');
  if (slash == std::string::npos || slash == 0) return {};
  const std::string dir_pattern = pattern.substr(0, slash);
  if (!glob_is_literal(dir_pattern) || pattern.ends_with("/**")) return {};
  const std::string dir = glob_unescape(dir_pattern);
  const bool in_temp = std::any_of(o.temp_dirs.begin(), o.temp_dirs.end(), [&](const std::string& t) {
    // TMPDIR=/ would make every glob a temporary name's.
    return !t.empty() && t.front() == '/' && normalise_path("/", t) != "/" &&
           under_or_at(dir, normalise_path("/", t));
  });
  if (!in_temp || kind_of(o, dir) != PathKind::directory || !learn_tree_allowed(dir, o)) return {};
  return tree_of(dir);
}

// The tree a literal path widens to, or "" to keep it as it is: its directory's (a missing
// directory: the nearest one that exists, which is what the lookup was searching), when
// learn_tree_allowed. A directory itself stays literal: listing one is not reading its files.
std::string widen(const std::string& path, const LearnOptions& o) {
  if (kind_of(o, path) == PathKind::directory) return {};
  std::string dir = parent_of(path);
  while (dir != "/" && kind_of(o, dir) == PathKind::missing) dir = parent_of(dir);
  return learn_tree_allowed(dir, o) ? tree_of(dir) : std::string();
}

// kLearnSiblingTrees trees in different branches of one directory, one or two levels below it
// (/usr/lib/python3.11/{email,http,json}/__pycache__/**), become that directory's tree, as
// long as it may hold one; repeated upwards.
void merge_siblings(std::set<std::string>& patterns, const LearnOptions& o) {
  for (bool changed = true; changed;) {
    changed = false;
    std::map<std::string, std::set<std::string>> branches;  // ancestor -> its children seen
    for (const auto& p : patterns) {
      if (!p.ends_with("/**") || !glob_is_literal(p.substr(0, p.size() - 3))) continue;
      const std::string dir = glob_unescape(p.substr(0, p.size() - 3));
      const std::string parent = parent_of(dir);
      branches[parent].insert(dir);
      if (parent != "/") branches[parent_of(parent)].insert(parent);
    }
    for (const auto& [ancestor, children] : branches) {
      if (children.size() < kLearnSiblingTrees || !learn_tree_allowed(ancestor, o)) continue;
      if (patterns.insert(tree_of(ancestor)).second) changed = true;
    }
  }
}

}  // namespace

bool learn_credential_name(std::string_view name) {
  return std::find(std::begin(kSensitiveNames), std::end(kSensitiveNames), name) !=
         std::end(kSensitiveNames);
}

bool learn_tree_allowed(std::string_view dir, const LearnOptions& o) {
  const std::vector<std::string_view> comps = path_components(dir);
  if (comps.size() < kMinTreeDepth) return false;
  if (std::find(std::begin(kKernelRoots), std::end(kKernelRoots), comps[0]) != std::end(kKernelRoots))
    return false;
  for (const std::string_view s : kSensitivePaths)
    if (under_or_at(s, dir) || under_or_at(dir, s)) return false;
  if (std::find(std::begin(kSharedTempDirs), std::end(kSharedTempDirs), dir) !=
      std::end(kSharedTempDirs))
    return false;
  if (std::any_of(comps.begin(), comps.end(), learn_credential_name)) return false;
  // Anyone's home (/home/USER), not only $HOME: its dot files are credentials too.
  if (comps[0] == "home" && comps.size() <= 2) return false;
  // $HOME itself, or above it: its dot files are credentials (the $HOME rule of
  // generalise_path widens below it, entry by entry).
  if (!o.home.empty() && o.home.front() == '/') {
    const std::string home = normalise_path("/", o.home);
    if (home != "/" && under_or_at(home, dir)) return false;
  }
  return true;
}

void generalise_trees(Learner::PathRules& groups, const LearnOptions& o) {
  const std::string_view exec = access_name(Access::exec);
  for (auto& [key, patterns] : groups) {
    // Executing is more than reading: the programs run stay literal. "" mixes two accesses.
    if (key.second.empty() || key.second == exec) continue;
    const bool reads = key.second == access_name(Access::read);
    std::set<std::string> out;
    for (const auto& p : patterns) {
      if (!glob_is_literal(p)) {
        const std::string tree = temp_tree(p, o);
        out.insert(tree.empty() ? p : tree);
        continue;
      }
      const std::string path = glob_unescape(p);
      // A file written or created where no directory is left (a build's scratch directory,
      // removed at the end) stays literal: a tree needs a directory that exists.
      if (!reads && kind_of(o, parent_of(path)) == PathKind::missing) {
        out.insert(p);
        continue;
      }
      const std::string tree = widen(path, o);
      out.insert(tree.empty() ? p : tree);
    }
    // Writes stay in the directories written: three upload directories of a site do not
    // make its code writable.
    if (reads) merge_siblings(out, o);
    patterns = std::move(out);
  }
}

void readable_by_opens(Learner::PathRules& groups, const LearnOptions& o) {
  static constexpr std::string_view kOpens[] = {"open", "openat", "openat2"};
  static constexpr std::string_view kExecs[] = {"execve", "execveat"};
  const std::string read(access_name(Access::read));
  auto is = [](std::string_view name, const auto& list) {
    return std::find(std::begin(list), std::end(list), name) != std::end(list);
  };
  std::set<std::string> extra;
  bool has_open = false;
  for (const auto& [key, patterns] : groups) {
    has_open |= key.first == "open";
    const bool written = is(key.first, kOpens) && key.second != read;
    if (written || is(key.first, kExecs)) extra.insert(patterns.begin(), patterns.end());
  }
  // Nothing recorded by path (a --base run that added nothing): nothing to add to.
  if (groups.empty()) return;
  for (const std::string& f : o.first_exec)
    if (!f.empty() && f.front() == '/') extra.insert(glob_escape(normalise_path("/", f)));
  if (extra.empty()) return;
  for (const std::string_view call : {std::string_view("open"), std::string_view("openat")}) {
    if (call == "open" && !has_open) continue;
    groups[{std::string(call), read}].insert(extra.begin(), extra.end());
  }
}

bool learn_path_probe(std::string_view call, std::string_view path, const LearnOptions& o) {
  // How a search along PATH looks: execvp and the shells try execve, gcc and `which` try
  // access(X_OK), others stat. An open of a missing name there (python's pyvenv.cfg next to
  // its binary) is the program's own probe, kept.
  static constexpr std::string_view kSearchCalls[] = {
      "execve", "execveat", "access", "faccessat", "faccessat2",
      "stat",   "lstat",    "newfstatat", "statx"};
  if (std::find(std::begin(kSearchCalls), std::end(kSearchCalls), call) == std::end(kSearchCalls))
    return false;
  if (o.path_dirs.empty() || kind_of(o, std::string(path)) != PathKind::missing) return false;
  const std::string dir = parent_of(path);
  return std::any_of(o.path_dirs.begin(), o.path_dirs.end(), [&](const std::string& d) {
    return !d.empty() && d.front() == '/' && normalise_path("/", d) == dir;
  });
}

}  // namespace xpledge
