#include "learn.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <bitset>
#include <cctype>
#include <stdexcept>

#include "path_match.hpp"
#include "policy_load.hpp"
#include "promises.hpp"
#include "syscalls.hpp"

namespace xpledge {

namespace {

constexpr std::size_t kCommentWidth = 96;
// This many names read in one directory become DIR/* (see policy_yaml).
constexpr std::size_t kDirectoryCollapse = 8;

// ---- what learn knows about the promise catalogue -------------------------------------------

bool takes_path(std::string_view syscall) {
  const SyscallSig* sig = syscall_sig(syscall);
  return sig && !sig->path_args().empty();
}

struct PromiseInfo {
  std::string name;
  std::set<std::string> syscalls;          // names the catalogue lists for it (x86-64)
  std::set<std::string> limited;           // those listed only with limits
  bool grants_paths = false;               // a path-taking call without a path limit
};

// Promises learn may list, and those it never lists because a path rule says more.
struct CatalogueInfo {
  std::vector<PromiseInfo> promises;  // by catalogue id
  std::optional<std::size_t> stdio;
  std::set<std::string> always;

  CatalogueInfo() {
    const PromiseCatalogue& cat = PromiseCatalogue::builtin();
    for (std::size_t id = 0; id < cat.size(); ++id) {
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
      if (p.name == "stdio") stdio = id;
      promises.push_back(std::move(p));
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

// A YAML scalar for a path pattern: plain when that is unambiguous, else double-quoted.
std::string yaml_scalar(std::string_view s) {
  const bool plain = !s.empty() && s.front() == '/' &&
                     std::all_of(s.begin(), s.end(), [](char ch) {
                       const auto c = static_cast<unsigned char>(ch);
                       return std::isalnum(c) || std::string_view("/._+-*?[]@%~=\\").find(ch) !=
                                                     std::string_view::npos;
                     });
  if (plain) return std::string(s);
  std::string out = "\"";
  for (const char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
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

// Words wrapped into comment lines: "<indent># <first>word word" then "<indent>#   word".
std::string comment_wrapped(const std::string& indent, const std::string& first,
                            const std::vector<std::string>& words) {
  std::string out;
  std::string line = indent + "# " + first;
  bool fresh = true;
  for (const auto& w : words) {
    if (!fresh && line.size() + 1 + w.size() > kCommentWidth) {
      out += line + "\n";
      line = indent + "#   ";
      fresh = true;
    }
    line += (fresh && line.back() == ' ' ? "" : " ") + w;
    fresh = false;
  }
  return out + line + "\n";
}

bool all_of_class(std::string_view s, bool (*pred)(unsigned char)) {
  return std::all_of(s.begin(), s.end(), [&](char c) { return pred(static_cast<unsigned char>(c)); });
}
bool is_alnum(unsigned char c) { return std::isalnum(c) != 0; }
bool is_digit(unsigned char c) { return std::isdigit(c) != 0; }
bool is_lower_digit_underscore(unsigned char c) {
  return std::islower(c) || std::isdigit(c) || c == '_';
}

// Six or more characters mixing digits and letters, or both cases: mkstemp's XXXXXX, mktemp's
// tmp.XXXXXXXXXX. A run of one class ("output", "123456") is kept: ~1% of random names look
// like that and then stay literal.
bool looks_random(std::string_view r) {
  if (r.size() < 6) return false;
  int digits = 0, upper = 0, lower = 0;
  for (const char ch : r) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isdigit(c)) ++digits;
    else if (std::isupper(c)) ++upper;
    else if (std::islower(c)) ++lower;
    else return false;
  }
  return (digits > 0 && upper + lower > 0) || (upper > 0 && lower > 0);
}

bool is_shared_object(std::string_view name) {
  // NAME.so or NAME.so.N[.N...]
  std::size_t pos = name.find(".so");
  while (pos != std::string_view::npos) {
    if (pos > 0) {
      std::string_view rest = name.substr(pos + 3);
      bool ok = true;
      while (!rest.empty() && ok) {
        if (rest.front() != '.' || rest.size() < 2) {
          ok = false;
          break;
        }
        std::size_t k = 1;
        while (k < rest.size() && std::isdigit(static_cast<unsigned char>(rest[k]))) ++k;
        if (k == 1) ok = false;
        rest = rest.substr(k);
      }
      if (ok) return true;
    }
    pos = name.find(".so", pos + 1);
  }
  return false;
}

// Directories the dynamic loader searches (Debian multiarch and the classic ones).
const std::vector<std::string>& library_dirs() {
  static const std::vector<std::string> dirs = [] {
    std::vector<std::string> out;
    for (const char* root : {"/lib", "/lib32", "/lib64", "/libx32", "/usr/lib", "/usr/lib32",
                             "/usr/lib64", "/usr/libx32", "/usr/local/lib"}) {
      out.emplace_back(root);
      for (const char* triplet : {"x86_64-linux-gnu", "i386-linux-gnu", "x86_64-linux-gnux32"})
        out.push_back(std::string(root) + "/" + triplet);
    }
    return out;
  }();
  return dirs;
}

bool under(std::string_view path, std::string_view dir) {
  return path.size() > dir.size() && path.substr(0, dir.size()) == dir &&
         (dir == "/" || path[dir.size()] == '/');
}

std::string join_escaped(const std::vector<std::string_view>& comps, std::size_t from,
                         std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to; ++i) out += "/" + glob_escape(comps[i]);
  return out;
}

// ---- the promise decision -----------------------------------------------------------------

using Mask = std::uint64_t;
constexpr Mask bit(std::size_t id) { return Mask{1} << id; }

struct Decision {
  Mask chosen = 0;
  std::map<std::string, std::set<std::string>> covers;  // promise -> call names
};

}  // namespace

// ---- exposed pieces -----------------------------------------------------------------------

std::string glob_escape(std::string_view path) {
  std::string out;
  for (const char ch : path) {
    if (std::string_view("*?[]\\").find(ch) != std::string_view::npos) out += '\\';
    out += ch;
  }
  return out;
}

std::string generalise_temp_component(std::string_view c, const std::set<std::string>& pids) {
  // A short extension with a letter in it stays: "ccAbC123.s" -> "cc*.s".
  std::string_view base = c, ext;
  if (const std::size_t dot = c.rfind('.'); dot != std::string_view::npos && dot > 0) {
    const std::string_view e = c.substr(dot + 1);
    if (!e.empty() && e.size() <= 4 && all_of_class(e, is_alnum) &&
        !all_of_class(e, is_digit)) {
      base = c.substr(0, dot);
      ext = c.substr(dot);
    }
  }
  auto word = [](char ch) {
    const auto u = static_cast<unsigned char>(ch);
    return std::isalnum(u) || ch == '_';
  };
  std::string out;
  std::size_t i = 0;
  while (i < base.size()) {
    if (!word(base[i])) {
      out += glob_escape(base.substr(i, 1));
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < base.size() && word(base[j])) ++j;
    const std::string_view run = base.substr(i, j - i);
    i = j;
    if (pids.contains(std::string(run))) {
      out += "*";
    } else if (run.size() == 8 && run.substr(0, 2) == "cc" &&
               all_of_class(run.substr(2), is_alnum)) {
      out += "cc*";  // gcc's temporaries: mkstemps("ccXXXXXX")
    } else if (run.size() == 11 && run.substr(0, 3) == "tmp" &&
               all_of_class(run.substr(3), is_lower_digit_underscore)) {
      out += "tmp*";  // Python's tempfile: "tmp" + 8 of [a-z0-9_]
    } else {
      // Parts between underscores on their own ("x86_64" is not random, "AbC123" is).
      std::size_t k = 0;
      while (k <= run.size()) {
        const std::size_t u = std::min(run.find('_', k), run.size());
        const std::string_view part = run.substr(k, u - k);
        if (pids.contains(std::string(part)) || looks_random(part)) out += "*";
        else out += glob_escape(part);
        if (u < run.size()) out += "_";
        k = u + 1;
      }
    }
  }
  return out + glob_escape(ext);
}

GeneralisedPath generalise_path(std::string_view path, Access access,
                                const std::set<std::string>& pids, const LearnOptions& options) {
  const std::vector<std::string_view> comps = path_components(path);
  // /proc/<traced pid>/... : the next run has other pids, and a rule matches the path string.
  if (comps.size() >= 2 && comps[0] == "proc" && pids.contains(std::string(comps[1]))) {
    std::string out = "/proc/[0-9]*";
    for (std::size_t i = 2; i < comps.size(); ++i)
      out += "/" + (i == 3 && comps[2] == "task" && pids.contains(std::string(comps[3]))
                        ? std::string("[0-9]*")
                        : glob_escape(comps[i]));
    return {out, "/proc/<pid>"};
  }
  for (const std::string& t : options.temp_dirs) {
    if (t.empty() || t.front() != '/') continue;
    const std::string dir = normalise_path("/", t);
    if (dir == "/" || !under(path, dir)) continue;
    std::string out = glob_escape(dir);
    const std::size_t skip = path_components(dir).size();
    for (std::size_t i = skip; i < comps.size(); ++i)
      out += "/" + generalise_temp_component(comps[i], pids);
    const std::string literal = glob_escape(path);
    return {out, out == literal ? "" : "temporary name"};
  }
  // Not for exec: running anything below ~/.local is more than reading anything there.
  if (access != Access::exec && !options.home.empty() && options.home.front() == '/') {
    const std::string home = normalise_path("/", options.home);
    const std::size_t depth = path_components(home).size();
    if (home != "/" && under(path, home) && comps.size() >= depth + 2)
      return {join_escaped(comps, 0, depth + 1) + "/**", "$HOME"};
  }
  if (access == Access::read && !comps.empty() && is_shared_object(comps.back())) {
    const std::string dir = join_escaped(comps, 0, comps.size() - 1);
    std::string_view raw_dir = path.substr(0, path.rfind('/'));
    std::string best;
    for (const std::string& lib : library_dirs()) {
      const bool hit = raw_dir == lib || under(raw_dir, lib + "/glibc-hwcaps") ||
                       raw_dir == lib + "/glibc-hwcaps" || under(raw_dir, lib + "/tls") ||
                       raw_dir == lib + "/tls";
      if (hit && lib.size() > best.size()) best = lib;
    }
    return {(best.empty() ? (dir.empty() ? std::string() : dir) : glob_escape(best)) + "/**",
            "shared object"};
  }
  return {glob_escape(path), ""};
}

Policy learning_policy() {
  return load_policy_string("version: 1\ndefault: allow\nabis: [x86_64, i386, x32]\n",
                            "<learn>");
}

// ---- recording ----------------------------------------------------------------------------

Learner::Learner(const Policy* base) : base_(base) {}

void Learner::on_call(const CallRecord& r) {
  try {
    if (r.call.nr < 0) return;
    // Refused while learning by something other than the policy (the supervisor's own guards,
    // the program's own xpledge()): it will be refused again, whatever the learned policy says.
    if ((r.action == Action::deny || r.action == Action::kill) && !r.would_deny) return;
    ++calls_;
    pids_.insert(r.pid);
    pids_.insert(r.tid);
    CallContext ctx{r.call, r.paths};
    ctx.tgid = r.pid;
    if (base_) {
      const Verdict v = base_->evaluate(ctx);
      if (v.action == Action::allow || v.action == Action::log) {
        ++skipped_by_base_;
        return;
      }
    }
    const PromiseCatalogue& cat = PromiseCatalogue::builtin();
    Shape s;
    s.abi = r.call.abi;
    s.nr = r.call.nr;
    for (std::size_t id = 0; id < cat.size() && id < 64; ++id) {
      PromiseSet one;
      one.add(id);
      if (cat.check(one, ctx, r.pid).allowed) s.promises |= bit(id);
    }
    for (const PathArg& p : r.paths) s.paths.push_back({p.path, p.access, p.err});
    shapes_.insert(std::move(s));
  } catch (...) {
    // Observers must not throw (the tracer's loop); only allocation can fail here.
  }
}

// ---- --merge ------------------------------------------------------------------------------

namespace {

[[noreturn]] void merge_error(const std::string& name, const YAML::Node& n, const std::string& what) {
  const YAML::Mark m = n.Mark();
  std::string pos = name;
  if (!m.is_null()) pos += ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
  throw std::runtime_error(pos + ": --merge: " + what);
}

std::vector<std::string> scalars(const YAML::Node& n) {
  std::vector<std::string> out;
  if (n.IsScalar()) out.push_back(n.Scalar());
  else if (n.IsSequence())
    for (const auto& x : n) out.push_back(x.Scalar());
  return out;
}

}  // namespace

void Learner::merge_policy(std::string_view yaml, const std::string& name) {
  (void)load_policy_string(yaml, name);  // every positioned error first (PolicyError)
  const YAML::Node root = YAML::Load(std::string(yaml));
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (key == "version") continue;
    if (key == "default") {
      merged_default_ = v.Scalar();
    } else if (key == "errno") {
      merged_errno_ = v.Scalar();
    } else if (key == "abis") {
      for (const auto& a : scalars(v))
        if (const auto abi = abi_from_name(a)) merged_abis_.insert(*abi);
    } else if (key == "promises") {
      for (const auto& p : scalars(v)) merged_promises_.insert(p);
    } else if (key == "include" && v.IsSequence() && v.size() == 1 && v[0].IsScalar() &&
               v[0].Scalar() == kBuiltinDefault) {
      continue;  // what learn writes itself
    } else if (key == "allow") {
      for (const auto& rule : v) {
        if (rule.IsScalar()) {
          merged_names_.insert(rule.Scalar());
          continue;
        }
        std::string syscall, access;
        std::vector<std::string> paths;
        for (const auto& rk : rule) {
          const std::string k = rk.first.Scalar();
          if (k == "syscall") syscall = rk.second.Scalar();
          else if (k == "access") access = rk.second.Scalar();
          else if (k == "path") paths = scalars(rk.second);
          else
            merge_error(name, rk.first,
                        "'" + k + "' in a rule is not something learn writes; merge this rule by "
                        "hand");
        }
        if (paths.empty())
          merge_error(name, rule, "a rule without 'path' is not something learn writes; merge "
                                  "it by hand");
        merged_path_rules_[{syscall, access}].insert(paths.begin(), paths.end());
      }
    } else {
      merge_error(name, kv.first,
                  "'" + key + "' is not something learn writes (it would be dropped); merge it "
                  "by hand");
    }
  }
  // The comments learn writes: "# run: CMD" and "  # NAME covers: calls" (+ "  #   more").
  std::string current;
  std::size_t start = 0;
  while (start < yaml.size()) {
    std::size_t end = yaml.find('\n', start);
    if (end == std::string_view::npos) end = yaml.size();
    const std::string_view line = yaml.substr(start, end - start);
    start = end + 1;
    if (line.starts_with("# run: ")) {
      const std::string run(line.substr(7));
      if (std::find(merged_runs_.begin(), merged_runs_.end(), run) == merged_runs_.end())
        merged_runs_.push_back(run);
      current.clear();
      continue;
    }
    std::string_view words;
    if (line.starts_with("  # ") && line.find(" covers: ") != std::string_view::npos &&
        line.substr(4).find(' ') == line.find(" covers: ") - 4) {
      current = std::string(line.substr(4, line.find(" covers: ") - 4));
      words = line.substr(line.find(" covers: ") + 9);
    } else if (!current.empty() && line.starts_with("  #   ")) {
      words = line.substr(6);
    } else {
      current.clear();
      continue;
    }
    std::size_t i = 0;
    while (i < words.size()) {
      std::size_t j = words.find(' ', i);
      if (j == std::string_view::npos) j = words.size();
      if (j > i) merged_covers_[current].insert(std::string(words.substr(i, j - i)));
      i = j + 1;
    }
  }
}

// ---- writing ------------------------------------------------------------------------------

std::string Learner::policy_yaml(const LearnOptions& options,
                                 std::vector<std::string>* warnings) const {
  const PromiseCatalogue& cat = PromiseCatalogue::builtin();
  const CatalogueInfo& info = catalogue_info();
  auto warn = [&](const std::string& w) {
    if (warnings) warnings->push_back(w);
  };
  std::set<std::string> pids;
  for (const pid_t p : pids_) pids.insert(std::to_string(p));

  // Every distinct call: its name and whether it is one of the always-allowed.
  struct Call {
    const Shape* shape;
    std::string name;
    bool named;
    bool always;
  };
  std::vector<Call> calls;
  for (const Shape& s : shapes_) {
    const std::string n = syscall_name(s.abi, s.nr);
    calls.push_back({&s, n, syscall_nr(s.abi, n).has_value(),
                     info.always.contains(governing_name(s.abi, n))});
  }

  // 1. Promises: those merged in, stdio whenever it covers a call, then greedily the promise
  //    covering the most uncovered call names relative to its size, while that is at least half.
  Mask chosen = 0;
  for (const auto& p : merged_promises_)
    if (const auto id = cat.find(p)) chosen |= bit(*id);
  auto covered = [&](const Call& c, Mask set) {
    return c.always ? set != 0 : (c.shape->promises & set) != 0;
  };
  if (info.stdio && std::any_of(calls.begin(), calls.end(), [&](const Call& c) {
        return !c.always && (c.shape->promises & bit(*info.stdio));
      }))
    chosen |= bit(*info.stdio);
  for (;;) {
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
    if (!best) break;
    chosen |= bit(*best);
  }
  std::map<std::string, std::set<std::string>> covers;
  for (std::size_t id = 0; id < cat.size() && id < 64; ++id) {
    if (!(chosen & bit(id))) continue;
    auto& list = covers[cat.name(id)];
    for (const Call& c : calls)
      if (!c.always && (c.shape->promises & bit(id))) list.insert(c.name);
    if (const auto it = merged_covers_.find(cat.name(id)); it != merged_covers_.end())
      list.insert(it->second.begin(), it->second.end());
  }

  // 2. What no chosen promise covers: by name, or path rules per (syscall, access).
  std::set<std::string> names = merged_names_;
  std::map<std::string, std::set<Abi>> name_abis;
  std::map<std::pair<std::string, std::string>, std::set<std::string>> groups = merged_path_rules_;
  std::set<std::pair<Abi, std::int64_t>> unnamed;
  std::set<Abi> abis = merged_abis_;
  for (const Call& c : calls) {
    abis.insert(c.shape->abi);
    if (covered(c, chosen)) continue;
    if (!c.named) {
      unnamed.insert({c.shape->abi, c.shape->nr});
      continue;
    }
    name_abis[c.name].insert(c.shape->abi);
    const auto& paths = c.shape->paths;
    bool as_paths = takes_path(c.name) && !paths.empty();
    std::vector<std::string> patterns;
    for (const auto& p : paths) {
      if (!as_paths) break;
      if (p.err != 0) {
        as_paths = false;  // unreadable or unresolvable: no path rule can match it
        break;
      }
      if (!valid_utf8(p.path) || has_control(p.path)) {
        warn("a path of " + c.name + " is not printable UTF-8; " + c.name +
             " is allowed by name instead");
        as_paths = false;
        break;
      }
      const GeneralisedPath g = generalise_path(p.path, p.access, pids, options);
      if (glob_error(g.pattern) || !glob_match(g.pattern, p.path)) {
        warn("no path pattern matches '" + p.path + "' exactly; " + c.name +
             " is allowed by name instead");
        as_paths = false;
        break;
      }
      patterns.push_back(g.pattern);
    }
    if (!as_paths) {
      names.insert(c.name);
      continue;
    }
    std::string access(access_name(paths.front().access));
    for (const auto& p : paths)
      if (p.access != paths.front().access) access.clear();  // two paths, two accesses
    groups[{c.name, access}].insert(patterns.begin(), patterns.end());
  }
  // A call allowed by name needs no path rule; a pattern under another's "/**", or a literal
  // another pattern matches, adds nothing.
  for (auto it = groups.begin(); it != groups.end();)
    it = names.contains(it->first.first) ? groups.erase(it) : std::next(it);
  auto is_literal = [](const std::string& p) {
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (p[i] == '\\') ++i;
      else if (p[i] == '*' || p[i] == '?' || p[i] == '[') return false;
    }
    return true;
  };
  auto unescape = [](const std::string& p) {
    std::string out;
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (p[i] == '\\' && i + 1 < p.size()) ++i;
      out += p[i];
    }
    return out;
  };
  // Reads of many names in one directory (ls -l, a directory walk): DIR/* instead, one glob
  // level more than was seen, so that a name added there later is read too.
  for (auto& [key, patterns] : groups) {
    if (key.second != access_name(Access::read)) continue;
    std::map<std::string, std::size_t> per_dir;
    for (const auto& p : patterns)
      if (is_literal(p) && p.rfind('/') > 0) ++per_dir[p.substr(0, p.rfind('/'))];
    for (const auto& [dir, n] : per_dir)
      if (n >= kDirectoryCollapse) patterns.insert(dir + "/*");
  }
  for (auto& [key, patterns] : groups) {
    std::set<std::string> kept;
    for (const auto& p : patterns) {
      const bool redundant = std::any_of(patterns.begin(), patterns.end(), [&](const std::string& q) {
        if (q == p) return false;
        if (q.ends_with("/**")) {
          const std::string prefix = q.substr(0, q.size() - 3);
          if (p == prefix || p.starts_with(prefix + "/")) return true;
        }
        return is_literal(p) && !is_literal(q) && glob_match(q, unescape(p));
      });
      if (!redundant) kept.insert(p);
    }
    patterns = std::move(kept);
  }

  // 3. The file.
  std::string out;
  out += "# xpledge policy written by `xpledge learn`";
  if (!options.version.empty()) out += " (xpledge " + options.version + ")";
  out += ".\n";
  std::vector<std::string> runs = merged_runs_;
  if (!options.command.empty()) {
    std::string cmd;
    for (const auto& w : options.command) cmd += (cmd.empty() ? "" : " ") + shell_word(w);
    if (std::find(runs.begin(), runs.end(), cmd) == runs.end()) runs.push_back(cmd);
  }
  for (const auto& r : runs) out += "# run: " + r + "\n";
  if (!options.base_name.empty())
    out += "# Recorded only what " + options.base_name + " does not already allow.\n";
  std::vector<std::string> path_promises;
  for (std::size_t id = 0; id < cat.size(); ++id)
    if (info.promises[id].grants_paths) path_promises.push_back(cat.name(id));
  std::string path_list;
  for (std::size_t i = 0; i < path_promises.size(); ++i)
    path_list += (i == 0 ? "" : i + 1 == path_promises.size() ? " and " : ", ") + path_promises[i];
  std::string temp_list;
  for (const auto& t : options.temp_dirs) temp_list += (temp_list.empty() ? "" : ", ") + t;
  std::string always_list;
  for (const auto& a : cat.always_allowed()) always_list += (always_list.empty() ? "" : ", ") + a;
  out +=
      "#\n"
      "# Review it before use: it allows what the recorded runs did, generalised as described\n"
      "# here, and nothing else. Add runs with `xpledge learn --merge FILE -- CMD...`.\n"
      "#\n"
      "# promises: stdio, the base set, whenever it covers a recorded call; another promise\n"
      "#   when it covers calls no listed promise does and at least half of the system calls it\n"
      "#   names were seen. Never " + path_list + ": they grant\n"
      "#   file access by path alone, and the path rules below name the files instead. Under any\n"
      "#   promises, " + always_list + " are allowed.\n"
      "# allow: by name, calls no listed promise allows as they were made (then whatever their\n"
      "#   arguments); then one rule per system call and access whose every path argument must\n"
      "#   match one of its patterns. Paths are as the supervisor resolves them: absolute,\n"
      "#   '.' and '..' removed, symlinks not followed. Generalised:\n"
      "#   - /proc/<pid of a traced process>/... -> /proc/[0-9]*/...: rules match the path\n"
      "#     string and the next run has other pids (this also matches other processes'\n"
      "#     entries, which the kernel guards with its own permission checks);\n"
      "#   - below " + temp_list + ": random and pid parts of names -> *;\n";
  if (!options.home.empty() && normalise_path("/", options.home) != "/")
    out += "#   - below $HOME (" + normalise_path("/", options.home) +
           "): what is read or written under a first-level entry ->\n"
           "#     HOME/ENTRY/** (executed files stay literal);\n";
  out +=
      "#   - shared objects read (*.so, *.so.N) -> their directory/** (for a library\n"
      "#     directory, its glibc-hwcaps probes included);\n"
      "#   - " + std::to_string(kDirectoryCollapse) +
      " or more names read by one call in one directory -> DIR/*.\n";
  out += "version: 1\n";
  out += "default: " + (merged_default_.empty() ? std::string("deny") : merged_default_) + "\n";
  out += "errno: " + (merged_errno_.empty() ? std::string("EPERM") : merged_errno_) + "\n";
  if (!abis.empty() && abis != std::set<Abi>{Abi::x86_64}) {
    std::string list;
    for (Abi a : kAllAbis)
      if (abis.contains(a)) list += (list.empty() ? "" : ", ") + std::string(abi_name(a));
    out += "abis: [" + list + "]\n";
  }
  out += "# The built-in default policy's deny and kill rules (`xpledge check` lists them) come\n"
         "# first: a deny there wins over an allow below, so the argument limits the default\n"
         "# keeps (clone with new namespaces, AF_PACKET sockets, W+X memory...) stay.\n";
  out += "include: [" + std::string(kBuiltinDefault) + "]\n";
  if (chosen != 0) {
    out += "promises:\n";
    for (std::size_t id = 0; id < cat.size() && id < 64; ++id) {
      if (!(chosen & bit(id))) continue;
      const auto& list = covers[cat.name(id)];
      out += comment_wrapped("  ", cat.name(id) + " covers:",
                             std::vector<std::string>(list.begin(), list.end()));
      out += "  - " + cat.name(id) + "\n";
    }
  }
  if (!names.empty() || !groups.empty()) {
    out += "allow:\n";
    if (!names.empty())
      out += "  # By name: no listed promise allows these calls as they were made.\n";
    for (const auto& n : names) {
      std::vector<std::string> in;
      const auto abis_of = name_abis.find(n);
      const std::string governing =
          abis_of != name_abis.end() && !abis_of->second.empty()
              ? governing_name(*abis_of->second.begin(), n)
              : n;
      for (std::size_t id = 0; id < info.promises.size(); ++id) {
        const PromiseInfo& p = info.promises[id];
        if (!p.syscalls.contains(governing)) continue;
        in.push_back(p.name + (p.limited.contains(governing) ? " (some forms)" : ""));
      }
      std::string note;
      for (std::size_t i = 0; i < in.size(); ++i) note += (i ? ", " : "") + in[i];
      out += "  - " + n + "  # " + (in.empty() ? "in no promise" : "in " + note) + "\n";
    }
    if (!groups.empty())
      out += "  # Paths: every path argument of the call must match one of the patterns.\n";
    for (const auto& [key, patterns] : groups) {
      if (patterns.empty()) continue;
      out += "  - syscall: " + key.first + "\n";
      if (!key.second.empty()) out += "    access: " + key.second + "\n";
      out += "    path:\n";
      for (const auto& p : patterns) out += "      - " + yaml_scalar(p) + "\n";
    }
  }
  if (!unnamed.empty()) {
    std::vector<std::string> words;
    for (const auto& [abi, nr] : unnamed) {
      words.push_back(std::string(abi_name(abi)) + ":" + std::to_string(nr));
      warn("system call " + std::to_string(nr) + " (" + std::string(abi_name(abi)) +
           ") has no name in libseccomp; a policy cannot allow it, so it will be denied");
    }
    out += comment_wrapped("", "Not allowed (libseccomp has no name for these numbers):", words);
  }
  return out;
}

}  // namespace xpledge
