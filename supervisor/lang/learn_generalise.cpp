// How `xpledge learn` turns a recorded path into the pattern of a path rule: /proc/<pid>,
// temporary names, $HOME, shared objects (see the header comment learn writes).
#include <algorithm>
#include <cctype>

#include "learn.hpp"
#include "path_match.hpp"

namespace xpledge {

namespace {

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

// ".so.N[.N...]" or nothing after ".so".
bool so_version_suffix(std::string_view rest) {
  while (!rest.empty()) {
    if (rest.front() != '.' || rest.size() < 2) return false;
    std::size_t k = 1;
    while (k < rest.size() && std::isdigit(static_cast<unsigned char>(rest[k]))) ++k;
    if (k == 1) return false;
    rest = rest.substr(k);
  }
  return true;
}

bool is_shared_object(std::string_view name) {
  // NAME.so or NAME.so.N[.N...]
  for (std::size_t pos = name.find(".so"); pos != std::string_view::npos;
       pos = name.find(".so", pos + 1))
    if (pos > 0 && so_version_suffix(name.substr(pos + 3))) return true;
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

// One run of word characters of a temporary name, generalised.
std::string generalise_temp_run(std::string_view run, const std::set<std::string>& pids) {
  if (pids.contains(std::string(run))) return "*";
  if (run.size() == 8 && run.substr(0, 2) == "cc" && all_of_class(run.substr(2), is_alnum))
    return "cc*";  // gcc's temporaries: mkstemps("ccXXXXXX")
  if (run.size() == 11 && run.substr(0, 3) == "tmp" &&
      all_of_class(run.substr(3), is_lower_digit_underscore))
    return "tmp*";  // Python's tempfile: "tmp" + 8 of [a-z0-9_]
  // Parts between underscores on their own ("x86_64" is not random, "AbC123" is).
  std::string out;
  std::size_t k = 0;
  while (k <= run.size()) {
    const std::size_t u = std::min(run.find('_', k), run.size());
    const std::string_view part = run.substr(k, u - k);
    if (pids.contains(std::string(part)) || looks_random(part)) out += "*";
    else out += glob_escape(part);
    if (u < run.size()) out += "_";
    k = u + 1;
  }
  return out;
}

// /proc/<traced pid>/... : the next run has other pids, and a rule matches the path string.
std::optional<GeneralisedPath> proc_pattern(const std::vector<std::string_view>& comps,
                                            const std::set<std::string>& pids) {
  if (comps.size() < 2 || comps[0] != "proc" || !pids.contains(std::string(comps[1])))
    return std::nullopt;
  std::string out = "/proc/[0-9]*";
  for (std::size_t i = 2; i < comps.size(); ++i)
    out += "/" + (i == 3 && comps[2] == "task" && pids.contains(std::string(comps[3]))
                      ? std::string("[0-9]*")
                      : glob_escape(comps[i]));
  return GeneralisedPath{out, "/proc/<pid>"};
}

std::optional<GeneralisedPath> temp_pattern(std::string_view path,
                                            const std::vector<std::string_view>& comps,
                                            const std::set<std::string>& pids,
                                            const LearnOptions& options) {
  for (const std::string& t : options.temp_dirs) {
    if (t.empty() || t.front() != '/') continue;
    const std::string dir = normalise_path("/", t);
    if (dir == "/" || !under(path, dir)) continue;
    std::string out = glob_escape(dir);
    std::string real = dir;
    const std::size_t skip = path_components(dir).size();
    // A name that still exists when the policy is written (a project checked out in /tmp) was
    // not a one-off random name: it stays.
    bool gone = !options.path_kind;
    for (std::size_t i = skip; i < comps.size(); ++i) {
      real += "/" + std::string(comps[i]);
      gone = gone || options.path_kind(real) == PathKind::missing;
      out += "/" + (gone ? generalise_temp_component(comps[i], pids) : glob_escape(comps[i]));
    }
    const std::string literal = glob_escape(path);
    return GeneralisedPath{out, out == literal ? "" : "temporary name"};
  }
  return std::nullopt;
}

GeneralisedPath shared_object_pattern(std::string_view path,
                                      const std::vector<std::string_view>& comps) {
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

}  // namespace

std::string glob_escape(std::string_view path) {
  std::string out;
  for (const char ch : path) {
    if (std::string_view("*?[]\\").find(ch) != std::string_view::npos) out += '\\';
    out += ch;
  }
  return out;
}

bool glob_is_literal(std::string_view p) {
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\') ++i;
    else if (p[i] == '*' || p[i] == '?' || p[i] == '[') return false;
  }
  return true;
}

std::string glob_unescape(std::string_view p) {
  std::string out;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\' && i + 1 < p.size()) ++i;
    out += p[i];
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
    out += generalise_temp_run(base.substr(i, j - i), pids);
    i = j;
  }
  return out + glob_escape(ext);
}

GeneralisedPath generalise_path(std::string_view path, Access access,
                                const std::set<std::string>& pids, const LearnOptions& options) {
  const std::vector<std::string_view> comps = path_components(path);
  if (auto proc = proc_pattern(comps, pids)) return *proc;
  if (auto temp = temp_pattern(path, comps, pids, options)) return *temp;
  // Not for exec: running anything below ~/.local is more than reading anything there.
  if (access != Access::exec && !options.home.empty() && options.home.front() == '/') {
    const std::string home = normalise_path("/", options.home);
    const std::size_t depth = path_components(home).size();
    if (home != "/" && under(path, home) && comps.size() >= depth + 2 &&
        !learn_credential_name(comps[depth]))
      return {join_escaped(comps, 0, depth + 1) + "/**", "$HOME"};
  }
  if (access == Access::read && !comps.empty() && is_shared_object(comps.back()))
    return shared_object_pattern(path, comps);
  return {glob_escape(path), ""};
}

}  // namespace xpledge
