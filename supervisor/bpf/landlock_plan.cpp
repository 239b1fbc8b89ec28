#include "landlock_plan.hpp"

#include <fcntl.h>

#include <algorithm>
#include <map>
#include <optional>
#include <span>

#include "abi_index.hpp"
#include "path_match.hpp"
#include "promises.hpp"
#include "syscalls.hpp"

namespace xpledge {

namespace {

namespace fs = landlock_fs;

constexpr std::uint64_t kMake =
    fs::kMakeChar | fs::kMakeDir | fs::kMakeReg | fs::kMakeFifo | fs::kMakeBlock | fs::kMakeSym;
constexpr std::uint64_t kRemove = fs::kRemoveDir | fs::kRemoveFile;

const RuleRef kFirstExecRef{"the command run", 0, {}};

constexpr std::size_t group_index(FsGroup g) { return static_cast<std::size_t>(g); }

// The rights a call of this class may need on the object it reaches (see the header).
std::uint64_t class_rights(Access a) {
  switch (a) {
    case Access::read: return fs::kReadFile | fs::kReadDir;
    case Access::exec: return fs::kReadFile;
    case Access::write:
    case Access::create: return fs::kReadFile | fs::kWriteFile | fs::kTruncate | kMake | kRemove;
  }
  return 0;
}

// A call and the access class the policy judges it by; `pathless`: it opens a file the policy
// cannot name (open_by_handle_at), so any permission of it is a route to anywhere.
struct Route {
  std::string_view call;
  Access cls;
  bool pathless = false;
};

constexpr Access R = Access::read, W = Access::write, C = Access::create, X = Access::exec;

// Every call the kernel checks a group's rights for (Landlock's hooks: file_open, path_truncate,
// path_mknod/mkdir/symlink/link/rename/unlink/rmdir), with the class the policy judges it by.
constexpr Route kReadRoutes[] = {
    {"open", R},   {"open", W},   {"open", C},     {"openat", R},     {"openat", W},
    {"openat", C}, {"openat2", R}, {"openat2", W}, {"openat2", C},    {"execve", X},
    {"execveat", X}, {"uselib", X}, {"open_by_handle_at", R, true},
};
constexpr Route kWriteRoutes[] = {
    {"open", W},     {"open", C},     {"openat", W}, {"openat", C}, {"openat2", W},
    {"openat2", C},  {"creat", C},    {"truncate", W}, {"truncate64", W}, {"acct", W},
    {"swapon", W},   {"open_by_handle_at", W, true},
};
constexpr Route kCreateRoutes[] = {
    {"open", C},    {"openat", C},   {"openat2", C},  {"creat", C},     {"mkdir", C},
    {"mkdirat", C}, {"mknod", C},    {"mknodat", C},  {"symlink", C},   {"symlinkat", C},
    {"link", C},    {"linkat", C},   {"rename", C},   {"renameat", C},  {"renameat2", C},
    {"unlink", C},  {"unlinkat", C}, {"rmdir", C},
};

std::span<const Route> routes(FsGroup g) {
  switch (g) {
    case FsGroup::read: return kReadRoutes;
    case FsGroup::write: return kWriteRoutes;
    case FsGroup::create: return kCreateRoutes;
  }
  return {};
}

struct Glob {
  std::string glob;
  const RuleRef* ref;
};

// Where the policy lets one route through: anywhere (`any` says by what), or under globs.
struct Region {
  std::string any;
  std::vector<Glob> globs;
  std::string inexact;  // why the policy's verdict is not just "inside the globs" (level b)
};

void note(std::string& slot, const std::string& why) {
  if (slot.empty()) slot = why;
}

void add_route(Region& out, const Policy::Impl& p, Abi abi, const Route& route) {
  const auto ai = abi_index(abi);
  if (!p.abis[ai]) return;
  const auto nr = syscall_nr(abi, route.call);
  if (!nr) return;
  const std::string name = std::string(route.call) + " (" + std::string(access_name(route.cls)) +
                           (abi == Abi::x86_64 ? "" : ", " + std::string(abi_name(abi))) + ")";
  if (const auto it = p.by_nr[ai].find(*nr); it != p.by_nr[ai].end()) {
    for (std::size_t i : it->second) {
      const Rule& r = p.rules[i];
      if (r.action == Action::deny || r.action == Action::kill) {
        note(out.inexact, r.ref.describe() + " refuses some of them");
        continue;
      }
      if (r.action == Action::log) note(out.inexact, r.ref.describe() + " logs them");
      if (!r.args.empty()) note(out.inexact, r.ref.describe() + " has argument conditions");
      if (route.pathless || !r.has_path_conditions() || (r.paths.empty() &&
                                                         access_covers(*r.access, route.cls))) {
        note(out.any, name + " is allowed on any path by " + r.ref.describe());
        continue;
      }
      if (r.access && !access_covers(*r.access, route.cls)) continue;
      for (const std::string& g : r.paths) out.globs.push_back({g, &r.ref});
    }
  }
  if (p.promises) {
    const auto cg = PromiseCatalogue::builtin().call_grants(*p.promises, abi, *nr);
    if (cg.always) note(out.any, name + " is always allowed by the promises");
    for (const auto& g : cg.grants) {
      if (g.open_classes && !(g.open_classes & (1u << static_cast<unsigned>(route.cls)))) continue;
      if (route.pathless || g.paths.empty()) {
        note(out.any, name + " is allowed on any path by the promises");
        continue;
      }
      if (g.has_conds) note(out.inexact, "a promise allows them under argument conditions");
      for (const std::string& path : g.paths) out.globs.push_back({path, &p.promises_ref});
    }
  }
  if (p.default_action == Action::allow) note(out.any, name + " is allowed by default: allow");
}

Region region_of(const Policy::Impl& p, std::span<const Route> rs, std::span<const Abi> abis) {
  Region out;
  for (Abi abi : abis)
    for (const Route& r : rs) add_route(out, p, abi, r);
  return out;
}

// A glob's literal directory prefix, and its shape: "D/**" (tree) or no wildcard (literal).
struct Anchor {
  std::string path;
  bool tree = false;
  bool literal = false;
};

Anchor anchor_of(std::string_view glob) {
  const std::vector<std::string_view> comps = path_components(glob);
  Anchor a;
  std::size_t k = 0;
  for (; k < comps.size() && !glob_has_wildcard(comps[k]); ++k) a.path += "/" + std::string(comps[k]);
  if (a.path.empty()) a.path = "/";
  a.literal = k == comps.size();
  a.tree = k + 1 == comps.size() && comps[k] == "**";
  return a;
}

std::string parent_of(const std::string& p) {
  const auto slash = p.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : p.substr(0, slash);
}

bool under(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                         path[dir.size()] == '/');
}

// Does the policy's region let a call reach everything Landlock grants at `real`?
bool region_covers(const Region& r, const std::string& real, bool is_dir) {
  return std::any_of(r.globs.begin(), r.globs.end(), [&](const Glob& g) {
    const Anchor a = anchor_of(g.glob);
    if (is_dir) return a.tree && under(real, a.path);
    return glob_match(g.glob, real);
  });
}

// Every glob of the region is one Landlock expresses exactly: "D/**" or a literal, present at
// start (a tree made later gets no rule). With `missing_read_ungranted`, a literal file missing
// at start is exact too: it gets no rule, and an open of it fails with ENOENT before Landlock
// looks, as it does under the policy (see plan_once).
std::string region_shape_problem(const Region& r, const PathFacts& facts,
                                 bool missing_read_ungranted) {
  for (const Glob& g : r.globs) {
    const Anchor a = anchor_of(g.glob);
    if (!a.tree && !a.literal)
      return g.ref->describe() + ": '" + g.glob + "' is not a directory tree or a file";
    const PathFact f = facts(a.path);
    if (!f.exists && a.literal && missing_read_ungranted) continue;
    if (!f.exists) return g.ref->describe() + ": " + a.path + " does not exist";
    if (a.literal && f.is_dir)
      return g.ref->describe() + ": '" + g.glob + "' names a directory, not what is below it";
  }
  return {};
}

std::string flags_names(std::uint64_t flags) {
  std::string out;
  const std::pair<std::uint64_t, const char*> names[] = {
      {O_ACCMODE, "O_WRONLY|O_RDWR"}, {O_TRUNC, "O_TRUNC"}, {O_CREAT, "O_CREAT"},
      {kKernelTmpfileBit, "O_TMPFILE"}, {O_PATH, "O_PATH"}};
  for (const auto& [bit, name] : names)
    if (flags & bit) out += (out.empty() ? "" : "|") + std::string(name);
  return out;
}

}  // namespace

std::string landlock_rights_names(std::uint64_t rights) {
  static constexpr const char* kNames[] = {
      "EXECUTE",    "WRITE_FILE", "READ_FILE", "READ_DIR",  "REMOVE_DIR", "REMOVE_FILE",
      "MAKE_CHAR",  "MAKE_DIR",   "MAKE_REG",  "MAKE_SOCK", "MAKE_FIFO",  "MAKE_BLOCK",
      "MAKE_SYM",   "REFER",      "TRUNCATE",  "IOCTL_DEV"};
  std::string out;
  for (std::size_t i = 0; i < std::size(kNames); ++i)
    if (rights & (1ULL << i)) out += (out.empty() ? "" : "|") + std::string(kNames[i]);
  return out.empty() ? "none" : out;
}

std::string_view fs_group_name(FsGroup g) {
  static constexpr std::string_view kNames[] = {"read", "write", "create"};  // kFsGroups order
  return group_index(g) < std::size(kNames) ? kNames[group_index(g)] : "?";
}

std::uint64_t fs_group_rights(FsGroup g, int abi) {
  switch (g) {
    case FsGroup::read: return fs::kReadFile | fs::kReadDir;
    case FsGroup::write: return fs::kWriteFile | (abi >= 3 ? fs::kTruncate : 0);
    case FsGroup::create: return kMake | kRemove;
  }
  return 0;
}

namespace {

// Why no group goes to the kernel, or "".
std::string why_off(int abi, bool enabled) {
  if (!enabled) return "Landlock for path rules is off (--landlock=off or --permissive)";
  if (abi == 0) return "this kernel has no Landlock";
  if (abi < 2)
    return "Landlock ABI 1 (Linux 5.13-5.18) has no REFER: renames across directories would fail";
  return {};
}

// Which groups the kernel takes: those where the policy lets no route through anywhere.
void plan_groups(LandlockPlan& plan, const Policy::Impl& p, std::span<const Abi> abis,
                 const std::string& off) {
  for (FsGroup g : kFsGroups) {
    const auto gi = group_index(g);
    const Region region = region_of(p, routes(g), abis);
    if (!off.empty()) plan.why_not[gi] = off;
    else if (!region.any.empty()) plan.why_not[gi] = region.any;
    else plan.handled[gi] = true;
    if (plan.handled[gi]) plan.handled_fs |= fs_group_rights(g, plan.abi);
  }
}

using RuleMap = std::map<std::string, FsRule>;

void grant(RuleMap& rules, const std::string& path, std::uint64_t rights, const RuleRef* ref) {
  if (rights == 0) return;
  FsRule& r = rules[path];
  r.path = path;
  r.rights |= rights;
  if (std::find(r.from.begin(), r.from.end(), ref) == r.from.end()) r.from.push_back(ref);
}

// Each glob of a route as the rights its class needs there.
void grant_route(RuleMap& rules, const Policy::Impl& p, Abi a, const Route& route,
                 std::uint64_t rights, const PathFacts& facts, bool missing_read_ungranted) {
  Region one;
  add_route(one, p, a, route);
  for (const Glob& gl : one.globs) {
    // A tree made after start gets no rule: its nearest existing ancestor does (wider).
    const Anchor anchor = anchor_of(gl.glob);
    std::string path = anchor.path;
    PathFact f = facts(path);
    // A file only read or run, missing at start: nothing to open (ENOENT), so no rule.
    if (!f.exists && anchor.literal && missing_read_ungranted &&
        (route.cls == Access::read || route.cls == Access::exec))
      continue;
    while (!f.exists && path != "/") f = facts(path = parent_of(path));
    if (!f.exists) continue;
    if (f.is_dir) {
      grant(rules, path, rights, gl.ref);
    } else {
      // Names are made and removed in the directory that holds them.
      grant(rules, path, rights & fs::kFileRights, gl.ref);
      grant(rules, parent_of(path), rights & (kMake | kRemove), gl.ref);
    }
  }
}

// The rules: each glob of a handled group's routes, REFER on "/" first.
void plan_rules(LandlockPlan& plan, const Policy::Impl& p, std::span<const Abi> abis,
                const PathFacts& facts, const std::vector<std::string>& first_exec,
                bool missing_read_ungranted) {
  RuleMap rules;
  for (FsGroup g : kFsGroups) {
    if (!plan.handled[group_index(g)]) continue;
    for (Abi a : abis)
      for (const Route& route : routes(g))
        grant_route(rules, p, a, route, class_rights(route.cls) & fs_group_rights(g, plan.abi),
                    facts, missing_read_ungranted);
  }
  if (plan.handled[group_index(FsGroup::read)]) {
    for (const std::string& file : first_exec) {
      const PathFact f = facts(file);
      if (f.exists && !f.is_dir) grant(rules, file, fs::kReadFile, &kFirstExecRef);
    }
  }
  if (plan.handled_fs != 0) {
    plan.handled_fs |= fs::kRefer;
    plan.rules.push_back({"/", fs::kRefer, {}});
  }
  for (auto& [path, r] : rules) {
    if (path == "/" && !plan.rules.empty()) {
      plan.rules.front().rights |= r.rights;
      plan.rules.front().from = r.from;
      continue;
    }
    plan.rules.push_back(r);
  }
}

// Does the policy's region for `call` (x86-64, class `cls`) cover every tree the plan grants
// `rights` on? Why not, or "".
std::string uncovered(const LandlockPlan& plan, const Policy::Impl& p, std::string_view call,
                      Access cls, std::uint64_t rights, const PathFacts& facts,
                      bool missing_read_ungranted) {
  const Route route{call, cls};
  const Abi x = Abi::x86_64;
  const Region region = region_of(p, std::span<const Route>(&route, 1), std::span<const Abi>(&x, 1));
  if (!region.inexact.empty()) return region.inexact;
  if (auto s = region_shape_problem(region, facts, missing_read_ungranted && cls == Access::read);
      !s.empty())
    return s;
  for (const FsRule& r : plan.rules) {
    if (!(r.rights & rights)) continue;
    const PathFact f = facts(r.path);
    if (!region_covers(region, f.real, f.is_dir))
      return "the kernel would let it " + std::string(cls == Access::read ? "read " : "write ") +
             f.real + ", which no " + std::string(access_name(cls)) + " rule for " +
             std::string(call) + " allows";
  }
  return {};
}

// Why no open can be left to the kernel, or "".
std::string why_no_opens(const LandlockPlan& plan, const Policy& policy, const std::string& off) {
  const Action dflt = policy.impl().default_action;
  if (!off.empty()) return off;
  if (!plan.handled[group_index(FsGroup::read)]) return "reading stays in the supervisor";
  if (!policy.abi_allowed(Abi::x86_64)) return "x86_64 is not allowed";
  if (dflt != Action::deny)
    return "default: " + std::string(action_name(dflt)) + " (Landlock can only refuse, with EACCES)";
  return {};
}

// Level (b): the x86-64 opens, each on its own (a policy may allow-list openat only).
void plan_opens(LandlockPlan& plan, const Policy& policy, const PathFacts& facts,
                const std::string& off, bool missing_read_ungranted) {
  const Policy::Impl& p = policy.impl();
  const std::string common = why_no_opens(plan, policy, off);
  bool write_exact = plan.handled[group_index(FsGroup::write)] && plan.abi >= 3;
  for (LandlockPlan::OpenCall& oc : plan.opens) {
    oc.why_not = !common.empty() ? common
                                 : uncovered(plan, p, oc.name, Access::read,
                                             fs::kReadFile | fs::kReadDir, facts,
                                             missing_read_ungranted);
    oc.decided = oc.why_not.empty();
    if (oc.decided &&
        !uncovered(plan, p, oc.name, Access::write, fs::kWriteFile | fs::kTruncate, facts,
                   missing_read_ungranted)
             .empty())
      write_exact = false;
  }
  if (plan.any_open_decided()) {
    plan.open_stop_flags = O_PATH | O_CREAT | kKernelTmpfileBit;
    // Opens for writing are exact only if they are for every decided call.
    if (!write_exact) plan.open_stop_flags |= O_ACCMODE | O_TRUNC;
  }
}

}  // namespace

namespace {

// `missing_read_ungranted`: a literal file a read or exec rule names that is missing at start
// gets no rule rather than its nearest existing directory (the wall's default, so that a file
// made there later can be read): then it is no obstacle to level (b). The plan takes that
// choice only when it lets Landlock decide opens (plan_landlock).
LandlockPlan plan_once(const Policy& policy, int abi, const PathFacts& facts, bool enabled,
                       const std::vector<std::string>& first_exec, bool missing_read_ungranted) {
  const Policy::Impl& p = policy.impl();
  LandlockPlan plan;
  plan.abi = abi;
  std::vector<Abi> abis;
  for (Abi a : kAllAbis)
    if (policy.abi_allowed(a)) abis.push_back(a);
  const std::string off = why_off(abi, enabled);
  plan_groups(plan, p, abis, off);
  plan_rules(plan, p, abis, facts, first_exec, missing_read_ungranted);
  plan_opens(plan, policy, facts, off, missing_read_ungranted);
  plan.missing_read_ungranted = missing_read_ungranted;
  return plan;
}

}  // namespace

LandlockPlan plan_landlock(const Policy& policy, int abi, const PathFacts& facts, bool enabled,
                           const std::vector<std::string>& first_exec) {
  const Policy::Impl& p = policy.impl();
  LandlockPlan plan = plan_once(policy, abi, facts, enabled, first_exec, false);
  if (!plan.any_open_decided() && plan.handled[group_index(FsGroup::read)]) {
    LandlockPlan exact = plan_once(policy, abi, facts, enabled, first_exec, true);
    if (exact.any_open_decided()) plan = std::move(exact);
  }
  // What stays in the supervisor although it names paths.
  for (const Rule& r : p.rules) {
    if (!r.has_path_conditions()) continue;
    bool in_kernel = false;
    for (const FsRule& fr : plan.rules)
      in_kernel |= std::find(fr.from.begin(), fr.from.end(), &r.ref) != fr.from.end();
    if (!in_kernel) plan.supervisor_rules.push_back(&r.ref);
  }
  return plan;
}

ArgAlternatives landlock_register_grants(const LandlockPlan& plan, Abi abi, std::int64_t nr) {
  if (abi != Abi::x86_64) return {};
  static const CallNumbers kOpen("open"), kOpenat("openat");
  unsigned flags_arg = 0;
  if (plan.opens[0].decided && kOpen.on(abi) == nr) flags_arg = 1;
  else if (plan.opens[1].decided && kOpenat.on(abi) == nr) flags_arg = 2;
  else return {};
  return {{ArgTest{flags_arg, false, plan.open_stop_flags, 0}}};
}

std::string describe_landlock_plan(const LandlockPlan& plan) {
  std::string out = "\nlandlock (path rules the kernel enforces; Landlock ABI " +
                    std::to_string(plan.abi) + " here):\n";
  for (FsGroup g : kFsGroups) {
    const auto gi = group_index(g);
    out += "  " + std::string(fs_group_name(g)) + ": ";
    out += plan.handled[gi] ? "kernel (" + landlock_rights_names(fs_group_rights(g, plan.abi)) +
                                  "), under the supervisor's own checks\n"
                            : "supervisor only: " + plan.why_not[gi] + "\n";
  }
  if (plan.handled_fs == 0) return out;
  out += "  rules given to the kernel:\n";
  for (const FsRule& r : plan.rules) {
    out += "    " + r.path + "  " + landlock_rights_names(r.rights);
    if (r.from.empty() && r.path == "/") out += "  (renames and links across directories)";
    for (std::size_t i = 0; i < r.from.size(); ++i)
      out += (i ? ", " : "  [") + r.from[i]->describe() + (i + 1 == r.from.size() ? "]" : "");
    out += "\n";
  }
  if (plan.missing_read_ungranted)
    out += "  files the rules read or run that are missing now get no rule: an open of one fails "
           "with ENOENT; one made during the run is refused (EACCES)\n";
  for (const LandlockPlan::OpenCall& oc : plan.opens) {
    if (oc.decided)
      out += "  " + std::string(oc.name) +
             " (x86_64): decided by the kernel without a stop unless its flags have " +
             flags_names(plan.open_stop_flags) + "; a refusal is EACCES, not in xpledge's log\n";
    else
      out += "  " + std::string(oc.name) + ": not left to Landlock: " + oc.why_not + "\n";
  }
  if (!plan.supervisor_rules.empty()) {
    out += "  path rules only the supervisor enforces:";
    for (const RuleRef* r : plan.supervisor_rules) out += " " + r->describe();
    out += "\n";
  }
  return out;
}

std::string landlock_plan_notice(const LandlockPlan& plan) {
  if (plan.handled_fs == 0) return {};
  std::string groups;
  for (FsGroup g : kFsGroups)
    if (plan.handled[group_index(g)])
      groups += (groups.empty() ? "" : ", ") + std::string(fs_group_name(g));
  std::string out = "Landlock holds the path allow-list (" + groups +
                    "): a call reaching outside it (symlink, hard link, /proc magic link, "
                    "rename) fails with EACCES or EXDEV and is not in this log";
  for (const LandlockPlan::OpenCall& oc : plan.opens)
    if (oc.decided)
      out += "; " + std::string(oc.name) + " without " + flags_names(plan.open_stop_flags) +
             " does not stop at all, so its refusals are not logged either";
  return out + " (--landlock=off keeps every decision here)";
}

}  // namespace xpledge
