#pragma once
// A strict JSON (RFC 8259) syntax check with positions, for `import oci`: yaml-cpp, which builds
// the tree, takes YAML, so on its own it would accept a trailing comma, comments, single quotes
// and duplicate keys (keeping the first), none of which a container runtime accepts. Pure.
#include <optional>
#include <string>
#include <string_view>

namespace xpledge {

struct JsonSyntaxError {
  int line = 0;  // 1-based
  int col = 0;   // 1-based, in bytes
  std::string message;
};

// The first thing that makes `text` not one strict JSON value: a syntax error, a trailing
// comma, a comment, a duplicate key in one object, text after the value, nesting deeper than
// kMaxJsonDepth. nullopt when it is valid.
inline constexpr int kMaxJsonDepth = 128;
std::optional<JsonSyntaxError> strict_json_error(std::string_view text);

}  // namespace xpledge
