// Learner::policy_yaml: the recorded calls (and --merge's) -> promises, names and path rules ->
// a PolicyDoc, written by the one YAML emitter.
#include <algorithm>
#include <cctype>

#include "learn.hpp"
#include "path_match.hpp"
#include "policy_load.hpp"
#include "promises.hpp"
#include "syscalls.hpp"
#include "yaml_emit.hpp"

namespace xpledge {

namespace {

constexpr std::size_t kCommentWidth = 96;
// This many names read in one directory become DIR/* (see prune_groups).
constexpr std::size_t kDirectoryCollapse = 8;
// More patterns than this for a metadata call: it is allowed by name (see prune_groups).
constexpr std::size_t kSpreadPatterns = 8;

// ---- what learn knows about the promise catalogue -------------------------------------------

bool takes_path(std::string_view syscall) {
  const SyscallSig* sig = syscall_sig(syscall);
  return sig && !sig->path_args().empty();
}

struct PromiseInfo {
  std::string name;
  std::set<std::string> syscalls;  // names the catalogue lists for it (x86-64)
  std::set<std::string> limited;   // those listed only with limits
  bool grants_paths = false;       // a path-taking call without a path limit
};

PromiseInfo promise_info(const PromiseCatalogue& cat, std::size_t id) {
  PromiseInfo p;
  p.name = cat.name(id);
  std::set<std::string> unconditional;
  for (const PromiseRule& r : cat.rules(id)) {
    p.syscalls.insert(r.syscall);
    if (r.limits.empty()) unconditional.insert(r.syscall);
    // A path-taking call allowed without naming paths opens the whole file system to it
    // (rpath's open, cpath's unlink). Entries limited to AT_EMPTY_PATH work on an open
    // descriptor (stdio's fstat), not on a name.
    if (takes_path(r.syscall) && r.limits.find("path") == std::string::npos &&
        r.limits.find("AT_EMPTY_PATH") == std::string::npos)
      p.grants_paths = true;
  }
  for (const auto& s : p.syscalls)
    if (!unconditional.contains(s)) p.limited.insert(s);
  return p;
}

// Promises learn may list, and those it never lists because a path rule says more.
struct CatalogueInfo {
  std::vector<PromiseInfo> promises;  // by catalogue id
  std::optional<std::size_t> stdio;
  std::set<std::string> always;

  CatalogueInfo() {
    const PromiseCatalogue& cat = PromiseCatalogue::builtin();
    for (std::size_t id = 0; id < cat.size(); ++id) {
      promises.push_back(promise_info(cat, id));
      if (promises.back().name == "stdio") stdio = id;
    }
    always.insert(cat.always_allowed().begin(), cat.always_allowed().end());
  }

  // A promise learn may choose: it grants calls, and none of them by path alone.
  bool candidate(std::size_t id) const {
    return !promises[id].syscalls.empty() && !promises[id].grants_paths;
  }
};

const CatalogueInfo& catalogue_info() {
  static const CatalogueInfo info;
  return info;
}

// The x86-64 name that governs a call of another ABI in the catalogue (i386 fcntl64 -> fcntl).
std::string governing_name(Abi abi, const std::string& name) {
  if (abi == Abi::x86_64) return name;
  for (const auto& [n, x] : PromiseCatalogue::builtin().aliases(abi))
    if (n == name) return x;
  return name;
}

// ---- strings ------------------------------------------------------------------------------

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    if (c < 0x80) n = 0;
    else if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if ((c & 0xf0) == 0xe0) n = 2;
    else if (c >= 0xf0 && c <= 0xf4) n = 3;
    else return false;
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    i += n + 1;
  }
  return true;
}

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c < 0x20 || c == 0x7f;
  });
}

// A shell word as a user would type it, for the "# run:" line.
std::string shell_word(std::string_view w) {
  const bool safe = !w.empty() && std::all_of(w.begin(), w.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return std::isalnum(c) || std::string_view("/._+-=:,@%").find(ch) != std::string_view::npos;
  });
  if (safe) return std::string(w);
  std::string out = "'";
  for (const char ch : w) {
    if (ch == '\'') out += "'\\''";
    else if (ch == '\n') out += "'$'\\n''";
    else out += ch;
  }
  return out + "'";
}

std::string listed(const std::vector<std::string>& items, std::string_view sep,
                   std::string_view last_sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i)
    out += std::string(i == 0 ? "" : i + 1 == items.size() ? last_sep : sep) + items[i];
  return out;
}

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const std::size_t nl = std::min(text.find('\n'), text.size());
    out.emplace_back(text.substr(0, nl));
    text.remove_prefix(std::min(nl + 1, text.size()));
  }
  return out;
}

// ---- the promise decision -----------------------------------------------------------------

using Mask = std::uint64_t;
constexpr Mask bit(std::size_t id) { return Mask{1} << id; }
using Warn = std::vector<std::string>*;

void warn(Warn warnings, const std::string& w) {
  if (warnings) warnings->push_back(w);
}

// Every distinct call: its name and whether it is one of the always-allowed.
struct Call {
  const Learner::Shape* shape;
  std::string name;
  bool named;
  bool always;
};

std::vector<Call> distinct_calls(const std::set<Learner::Shape>& shapes) {
  const CatalogueInfo& info = catalogue_info();
  std::vector<Call> calls;
  for (const Learner::Shape& s : shapes) {
    const std::string n = syscall_name(s.abi, s.nr);
    calls.push_back({&s, n, syscall_nr(s.abi, n).has_value(),
                     info.always.contains(governing_name(s.abi, n))});
  }
  return calls;
}

bool covered(const Call& c, Mask set) {
  return c.always ? set != 0 : (c.shape->promises & set) != 0;
}

// The promise covering the most call names no promise in `chosen` covers, relative to its
// size, if that is at least half of it.
std::optional<std::size_t> best_promise(const std::vector<Call>& calls, Mask chosen) {
  const PromiseCatalogue& cat = PromiseCatalogue::builtin();
  const CatalogueInfo& info = catalogue_info();
  std::optional<std::size_t> best;
  std::size_t best_k = 0, best_total = 1;
  for (std::size_t id = 0; id < cat.size() && id < 64; ++id) {
    if ((chosen & bit(id)) || !info.candidate(id)) continue;
    std::set<std::string> fresh;
    for (const Call& c : calls)
      if (!c.always && (c.shape->promises & bit(id)) && !covered(c, chosen)) fresh.insert(c.name);
    const std::size_t k = fresh.size(), total = info.promises[id].syscalls.size();
    if (k == 0 || 2 * k < total) continue;
    if (!best || k * best_total > best_k * total ||
        (k * best_total == best_k * total && k > best_k)) {
      best = id;
      best_k = k;
      best_total = total;
    }
  }
  return best;
}

// Those merged in, stdio whenever it covers a call, then greedily best_promise().
Mask choose_promises(const std::vector<Call>& calls, const std::set<std::string>& merged) {
  const PromiseCatalogue& cat = PromiseCatalogue::builtin();
  const CatalogueInfo& info = catalogue_info();
  Mask chosen = 0;
  for (const auto& p : merged)
    if (const auto id = cat.find(p)) chosen |= bit(*id);
  if (info.stdio && std::any_of(calls.begin(), calls.end(), [&](const Call& c) {
        return !c.always && (c.shape->promises & bit(*info.stdio));
      }))
    chosen |= bit(*info.stdio);
  while (const auto best = best_promise(calls, chosen)) chosen |= bit(*best);
  return chosen;
}

using Covers = std::map<std::string, std::set<std::string>>;  // promise -> call names

Covers promise_covers(const std::vector<Call>& calls, Mask chosen, const Covers& merged) {
  const PromiseCatalogue& cat = PromiseCatalogue::builtin();
  Covers covers;
  for (std::size_t id = 0; id < cat.size() && id < 64; ++id) {
    if (!(chosen & bit(id))) continue;
    auto& list = covers[cat.name(id)];
    for (const Call& c : calls)
      if (!c.always && (c.shape->promises & bit(id))) list.insert(c.name);
    if (const auto it = merged.find(cat.name(id)); it != merged.end())
      list.insert(it->second.begin(), it->second.end());
  }
  return covers;
}

// ---- what no promise covers: names and path rules ------------------------------------------

using PathGroups = Learner::PathRules;

struct Allowed {
  std::set<std::string> names;
  std::map<std::string, std::set<Abi>> name_abis;
  PathGroups groups;
  std::set<std::pair<Abi, std::int64_t>> unnamed;
  std::set<Abi> abis;
};

// The patterns of the call's paths, or nullopt when it is allowed by name instead; none when
// every path is a search through this machine's $PATH (learn_path_probe): the call is dropped.
std::optional<std::vector<std::string>> path_patterns(const Call& c,
                                                      const std::set<std::string>& pids,
                                                      const LearnOptions& options, Warn warnings) {
  const auto& paths = c.shape->paths;
  if (!takes_path(c.name) || paths.empty()) return std::nullopt;
  if (std::all_of(paths.begin(), paths.end(), [&](const Learner::RecordedPath& p) {
        return p.err == 0 && learn_path_probe(c.name, p.path, options);
      }))
    return std::vector<std::string>{};
  std::vector<std::string> patterns;
  for (const auto& p : paths) {
    if (p.err != 0) return std::nullopt;  // unreadable or unresolvable: no path rule can match it
    if (!valid_utf8(p.path) || has_control(p.path)) {
      warn(warnings, "a path of " + c.name + " is not printable UTF-8; " + c.name +
                         " is allowed by name instead");
      return std::nullopt;
    }
    const GeneralisedPath g = generalise_path(p.path, p.access, pids, options);
    if (glob_error(g.pattern) || !glob_match(g.pattern, p.path)) {
      warn(warnings, "no path pattern matches '" + p.path + "' exactly; " + c.name +
                         " is allowed by name instead");
      return std::nullopt;
    }
    patterns.push_back(g.pattern);
  }
  return patterns;
}

Allowed allowed_beyond(const std::vector<Call>& calls, Mask chosen, const Learner::Merged& merged,
                       const std::set<std::string>& pids, const LearnOptions& options,
                       Warn warnings) {
  Allowed a{merged.names, {}, merged.path_rules, {}, merged.abis};
  for (const Call& c : calls) {
    a.abis.insert(c.shape->abi);
    if (covered(c, chosen)) continue;
    if (!c.named) {
      a.unnamed.insert({c.shape->abi, c.shape->nr});
      continue;
    }
    a.name_abis[c.name].insert(c.shape->abi);
    const auto patterns = path_patterns(c, pids, options, warnings);
    if (!patterns) {
      a.names.insert(c.name);
      continue;
    }
    if (patterns->empty()) continue;
    const auto& paths = c.shape->paths;
    std::string access(access_name(paths.front().access));
    for (const auto& p : paths)
      if (p.access != paths.front().access) access.clear();  // two paths, two accesses
    a.groups[{c.name, access}].insert(patterns->begin(), patterns->end());
  }
  return a;
}

// Reads of many names in one directory a tree may not cover (ls -l /etc): DIR/* instead, one
// glob level more than was seen, so that a name added there later is read too.
void collapse_directories(PathGroups& groups, const LearnOptions& options) {
  for (auto& [key, patterns] : groups) {
    if (key.second != access_name(Access::read)) continue;
    std::map<std::string, std::size_t> per_dir;
    for (const auto& p : patterns)
      if (glob_is_literal(p) && p.rfind('/') > 0) ++per_dir[p.substr(0, p.rfind('/'))];
    for (const auto& [dir, n] : per_dir)
      if (n >= kDirectoryCollapse && learn_tree_allowed(glob_unescape(dir), options))
        patterns.insert(dir + "/*");
  }
}

// Calls that read a file's metadata, never its content (stat, readlink, access...).
bool metadata_only(const std::string& name) {
  static const std::set<std::string> kCalls{
      "access",   "faccessat", "faccessat2", "getxattr", "lgetxattr", "listxattr",
      "llistxattr", "lstat",   "newfstatat", "readlink", "readlinkat", "stat",
      "statfs",   "statx"};
  return kCalls.contains(name);
}

// A call allowed by name needs no path rule; a pattern under another's "/**", or a literal
// another pattern matches, adds nothing. A metadata call that still needs more than
// kSpreadPatterns patterns after widening reads all over the file system (a compiler's
// realpath of every header): allowed by name, so that it does not stop at every call.
void prune_groups(Allowed& a, const LearnOptions& options) {
  generalise_trees(a.groups, options);
  collapse_directories(a.groups, options);
  readable_by_opens(a.groups, options);
  for (auto& [key, patterns] : a.groups) {
    std::set<std::string> kept;
    for (const auto& p : patterns) {
      const bool redundant = std::any_of(patterns.begin(), patterns.end(), [&](const std::string& q) {
        if (q == p) return false;
        if (q.ends_with("/**")) {
          const std::string prefix = q.substr(0, q.size() - 3);
          if (p == prefix || p.starts_with(prefix + "/")) return true;
        }
        return glob_is_literal(p) && !glob_is_literal(q) && glob_match(q, glob_unescape(p));
      });
      if (!redundant) kept.insert(p);
    }
    patterns = std::move(kept);
    if (metadata_only(key.first) && patterns.size() > kSpreadPatterns) a.names.insert(key.first);
  }
  for (auto it = a.groups.begin(); it != a.groups.end();)
    it = a.names.contains(it->first.first) ? a.groups.erase(it) : std::next(it);
}

// ---- the document -------------------------------------------------------------------------

std::vector<std::string> runs_header(const LearnOptions& options,
                                     const std::vector<std::string>& merged_runs) {
  std::string out = "# xpledge policy written by `xpledge learn`";
  if (!options.version.empty()) out += " (xpledge " + options.version + ")";
  out += ".\n";
  std::vector<std::string> runs = merged_runs;
  if (!options.command.empty()) {
    std::string cmd;
    for (const auto& w : options.command) cmd += (cmd.empty() ? "" : " ") + shell_word(w);
    if (std::find(runs.begin(), runs.end(), cmd) == runs.end()) runs.push_back(cmd);
  }
  for (const auto& r : runs) out += std::string(kLearnRunComment) + r + "\n";
  if (!options.base_name.empty())
    out += "# Recorded only what " + options.base_name + " does not already allow.\n";
  return lines_of(out);
}

// How the file was made: what the reader must know to review it.
std::vector<std::string> method_header(const LearnOptions& options) {
  const PromiseCatalogue& cat = PromiseCatalogue::builtin();
  std::vector<std::string> path_promises;
  for (std::size_t id = 0; id < cat.size(); ++id)
    if (catalogue_info().promises[id].grants_paths) path_promises.push_back(cat.name(id));
  const std::string always_list = listed(cat.always_allowed(), ", ", ", ");
  std::string out =
      "#\n"
      "# Review it before use: it allows what the recorded runs did, generalised as described\n"
      "# here, and nothing else. Add runs with `xpledge learn --merge FILE -- CMD...`.\n"
      "#\n"
      "# promises: stdio, the base set, whenever it covers a recorded call; another promise\n"
      "#   when it covers calls no listed promise does and at least half of the system calls it\n"
      "#   names were seen. Never " + listed(path_promises, ", ", " and ") + ": they grant\n"
      "#   file access by path alone, and the path rules below name files and trees instead.\n"
      "#   Under any promises, " + always_list + " are allowed.\n"
      "# allow: by name, calls no listed promise allows as they were made (then whatever their\n"
      "#   arguments); then one rule per system call and access whose every path argument must\n"
      "#   match one of its patterns. Paths are as the supervisor resolves them: absolute,\n"
      "#   '.' and '..' removed, symlinks not followed. Generalised:\n"
      "#   - /proc/<pid of a traced process>/... -> /proc/[0-9]*/...: rules match the path\n"
      "#     string and the next run has other pids (this also matches other processes'\n"
      "#     entries, which the kernel guards with its own permission checks);\n"
      "#   - below " + listed(options.temp_dirs, ", ", ", ") +
      ": random and pid parts of names that no longer exist -> *;\n";
  if (!options.home.empty() && normalise_path("/", options.home) != "/")
    out += "#   - below $HOME (" + normalise_path("/", options.home) +
           "): what is read or written under a first-level entry ->\n"
           "#     HOME/ENTRY/** (executed files and credential stores such as .ssh stay literal);\n";
  out +=
      "#   - shared objects read (*.so, *.so.N) -> their directory/** (for a library\n"
      "#     directory, its glibc-hwcaps probes included);\n"
      "#   - any other file read, written or created -> DIR/** of its directory (of the nearest\n"
      "#     existing one for a name looked up in vain), and " +
      std::to_string(kLearnSiblingTrees) + " such trees read in\n"
      "#     different branches one or two levels below a directory -> its tree; never one less\n"
      "#     than 2 levels deep"
      " (/etc, /usr, /tmp), below /proc, /sys, /dev or /run, holding or inside a secret\n"
      "#     (/etc/shadow, /etc/ssh, /etc/ssl/private, /root, .ssh, .gnupg...), nor a home:\n"
      "#     those stay literal. Executed files and directories opened themselves stay literal;\n"
      "#   - a temporary name's glob (cc*.s) -> DIR/** of its directory when that is a private\n"
      "#     temporary directory ($TMPDIR below /tmp, say), never /tmp, /var/tmp or /dev/shm;\n"
      "#   - open and openat read what is executed (and the command run), and what open and\n"
      "#     openat write or create: the kernel's Landlock reads them too, and so the opens that\n"
      "#     Landlock holds exactly need not stop (`xpledge check` says whether they do);\n"
      "#   - " + std::to_string(kDirectoryCollapse) +
      " or more names read by one call in one directory no tree covers -> DIR/*, under the\n"
      "#     same limits;\n"
      "#   - a metadata call (stat, readlink, access...: never a file's content) that still needs\n"
      "#     more than " + std::to_string(kSpreadPatterns) +
      " patterns -> allowed by name (reads spread over the file system);\n"
      "#   - execve, access or stat of a name missing from a directory of $PATH (a search along\n"
      "#     this machine's PATH, not the program's need) -> dropped. Refusals are EACCES, which\n"
      "#     such a search goes past.\n";
  return lines_of(out);
}

DocList promise_list(Mask chosen, const Covers& covers) {
  const PromiseCatalogue& cat = PromiseCatalogue::builtin();
  DocList list{"promises", {}};
  for (std::size_t id = 0; id < cat.size() && id < 64; ++id) {
    if (!(chosen & bit(id))) continue;
    const auto it = covers.find(cat.name(id));
    std::vector<std::string> words;
    if (it != covers.end()) words.assign(it->second.begin(), it->second.end());
    DocEntry e;
    e.comments = wrap_comment("# " + cat.name(id) + std::string(kLearnCoversComment), "#  ",
                              words, kCommentWidth - 2);
    e.item = DocItem{cat.name(id), {}, {}, {}, {}, {}};
    list.entries.push_back(std::move(e));
  }
  return list;
}

// "in stdio, rpath (some forms)": the promises that list the call, for the reviewer.
std::string promises_listing(const std::string& name, const std::set<Abi>* abis) {
  const std::string governing =
      abis && !abis->empty() ? governing_name(*abis->begin(), name) : name;
  std::vector<std::string> in;
  for (const PromiseInfo& p : catalogue_info().promises) {
    if (!p.syscalls.contains(governing)) continue;
    in.push_back(p.name + (p.limited.contains(governing) ? " (some forms)" : ""));
  }
  return in.empty() ? "in no promise" : "in " + listed(in, ", ", ", ");
}

DocList allow_list(const Allowed& a) {
  DocList list{"allow", {}};
  if (!a.names.empty())
    list.entries.push_back({{"# By name: no listed promise allows these calls as they were made."}, {}});
  for (const auto& n : a.names) {
    const auto abis = a.name_abis.find(n);
    DocItem item;
    item.name = n;
    item.note = promises_listing(n, abis == a.name_abis.end() ? nullptr : &abis->second);
    list.entries.push_back({{}, std::move(item)});
  }
  if (!a.groups.empty())
    list.entries.push_back(
        {{"# Paths: every path argument of the call must match one of the patterns."}, {}});
  for (const auto& [key, patterns] : a.groups) {
    if (patterns.empty()) continue;
    DocItem item;
    item.name = key.first;
    item.access = key.second;
    item.paths.assign(patterns.begin(), patterns.end());
    list.entries.push_back({{}, std::move(item)});
  }
  return list;
}

std::vector<std::string> unnamed_trailer(const std::set<std::pair<Abi, std::int64_t>>& unnamed,
                                         Warn warnings) {
  if (unnamed.empty()) return {};
  std::vector<std::string> words;
  for (const auto& [abi, nr] : unnamed) {
    words.push_back(std::string(abi_name(abi)) + ":" + std::to_string(nr));
    warn(warnings, "system call " + std::to_string(nr) + " (" + std::string(abi_name(abi)) +
                       ") has no name in libseccomp; a policy cannot allow it, so it will be denied");
  }
  return wrap_comment("# Not allowed (libseccomp has no name for these numbers):", "#  ", words,
                      kCommentWidth);
}

std::vector<std::string> abi_names(const std::set<Abi>& abis) {
  std::vector<std::string> out;
  if (abis.empty() || abis == std::set<Abi>{Abi::x86_64}) return out;  // the default
  for (Abi a : kAllAbis)
    if (abis.contains(a)) out.emplace_back(abi_name(a));
  return out;
}

}  // namespace

std::string Learner::policy_yaml(const LearnOptions& options,
                                 std::vector<std::string>* warnings) const {
  std::set<std::string> pids;
  for (const pid_t p : pids_) pids.insert(std::to_string(p));
  const std::vector<Call> calls = distinct_calls(shapes_);
  const Mask chosen = choose_promises(calls, merged_.promises);
  const Covers covers = promise_covers(calls, chosen, merged_.covers);
  Allowed allowed = allowed_beyond(calls, chosen, merged_, pids, options, warnings);
  prune_groups(allowed, options);

  PolicyDoc doc;
  doc.header = runs_header(options, merged_.runs);
  for (auto& l : method_header(options)) doc.header.push_back(std::move(l));
  doc.default_action = merged_.default_action.empty() ? "deny" : merged_.default_action;
  // EACCES, not EPERM: a search (execvp along $PATH, an include path) goes on past EACCES and
  // stops at EPERM; and Landlock, which decides the opens of trees, refuses with EACCES too.
  doc.errno_name = merged_.errno_name.empty() ? "EACCES" : merged_.errno_name;
  doc.abis = abi_names(allowed.abis);
  doc.include_comments = {
      "# The built-in default policy's deny and kill rules (`xpledge check` lists them) come",
      "# first: a deny there wins over an allow below, so the argument limits the default",
      "# keeps (clone with new namespaces, AF_PACKET sockets, W+X memory...) stay."};
  doc.include = {std::string(kBuiltinDefault)};
  doc.lists = {promise_list(chosen, covers), allow_list(allowed)};
  doc.trailer = unnamed_trailer(allowed.unnamed, warnings);
  return emit_yaml(doc);
}

}  // namespace xpledge
