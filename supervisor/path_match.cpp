#include "path_match.hpp"

#include <fnmatch.h>

#include <vector>

namespace xpledge {

std::vector<std::string_view> split_components(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t j = s.find('/', i);
    const std::size_t end = j == std::string_view::npos ? s.size() : j;
    if (end > i) out.push_back(s.substr(i, end - i));
    i = end + 1;
  }
  return out;
}

namespace {

bool component_match(std::string_view pattern, std::string_view name) {
  // fnmatch needs NUL-terminated strings; components are short.
  const std::string p(pattern), n(name);
  return fnmatch(p.c_str(), n.c_str(), 0) == 0;
}

// Classic glob-with-star matching over components, where `**` plays the role of `*`.
// Iterative with one backtrack point: O(len(p) * len(n)) in the worst case.
bool components_match(const std::vector<std::string_view>& pat,
                      const std::vector<std::string_view>& name) {
  std::size_t p = 0, n = 0;
  std::size_t star_p = std::string_view::npos, star_n = 0;
  while (n < name.size()) {
    if (p < pat.size() && pat[p] == "**") {
      star_p = p++;
      star_n = n;
    } else if (p < pat.size() && component_match(pat[p], name[n])) {
      ++p;
      ++n;
    } else if (star_p != std::string_view::npos) {
      p = star_p + 1;
      n = ++star_n;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == "**") ++p;
  return p == pat.size();
}

}  // namespace

std::string normalise_path(std::string_view base, std::string_view path) {
  std::vector<std::string_view> parts;
  auto push_all = [&parts](std::string_view s) {
    for (std::string_view c : split_components(s)) {
      if (c == ".") continue;
      if (c == "..") {
        if (!parts.empty()) parts.pop_back();  // "/.." is "/"
        continue;
      }
      parts.push_back(c);
    }
  };
  if (path.empty() || path.front() != '/') push_all(base);
  push_all(path);
  std::string out;
  for (std::string_view c : parts) {
    out += '/';
    out += c;
  }
  return out.empty() ? "/" : out;
}

bool glob_match(std::string_view pattern, std::string_view path) {
  return components_match(split_components(pattern), split_components(path));
}

std::optional<std::string> glob_error(std::string_view pattern) {
  if (pattern.empty() || pattern.front() != '/')
    return "path pattern '" + std::string(pattern) + "' must be absolute (start with '/')";
  for (std::string_view c : split_components(pattern)) {
    if (c == "." || c == "..")
      return "path pattern '" + std::string(pattern) +
             "' must not contain '.' or '..' components (paths are matched after normalisation)";
    if (c != "**" && c.find("**") != std::string_view::npos)
      return "path pattern '" + std::string(pattern) +
             "': '**' must be a whole component (as in '/tmp/**'); use '*' within a name";
    const std::size_t open = c.find('[');
    if (open != std::string_view::npos && c.find(']', open + 2) == std::string_view::npos)
      return "path pattern '" + std::string(pattern) + "': unterminated '['";
  }
  return std::nullopt;
}

}  // namespace xpledge
