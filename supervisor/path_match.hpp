#pragma once
// Path globs for policy rules, and the lexical normalisation the tracer applies to a path
// before the policy sees it. Pure string functions: no filesystem access, no symlinks.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xpledge {

// Join `path` to `base` (an absolute directory) unless it is absolute, then collapse `.`, `..`
// and repeated `/` lexically. Never goes above `/`; the result is absolute, without a trailing
// slash (except "/" itself). An empty path stays relative to base (result: base normalised).
std::string normalise_path(std::string_view base, std::string_view path);

// Does an absolute, normalised `path` match `pattern`? Patterns are split on `/`; within a
// component `*`, `?` and `[...]` work as in fnmatch(3) (they never match `/`, and a leading `.`
// is matched like any other character); a component that is exactly `**` matches zero or more
// whole components. So "/tmp/**" matches "/tmp" and everything under it, "/dev/tty*" matches
// "/dev/tty1" but not "/dev/tty1/x".
bool glob_match(std::string_view pattern, std::string_view path);

// Non-empty components of a '/'-separated string ("/a//b/" -> a, b).
std::vector<std::string_view> split_components(std::string_view s);

// Does a glob (or one component of it) have a wildcard: `*`, `?` or `[`?
inline bool glob_has_wildcard(std::string_view glob) {
  return glob.find_first_of("*?[") != std::string_view::npos;
}

// Why `pattern` cannot be used in a policy (not absolute, `**` inside a component, `.`/`..`
// components, an unterminated `[`), or nullopt if it is fine.
std::optional<std::string> glob_error(std::string_view pattern);

}  // namespace xpledge
