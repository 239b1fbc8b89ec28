#pragma once
// Reading a policy file's text, bounded (docs/SECURITY.md, F4): the top-level policy as the
// command line names it, an included one only if it is a regular file.
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace xpledge {

// A policy file (top-level or included) is read up to this size; real ones are a few KB. Bounds
// what a hostile policy can make the loader parse.
inline constexpr std::size_t kMaxPolicyBytes = std::size_t{1} << 20;
inline constexpr std::string_view kMaxPolicySize = "1 MiB";

// A policy file's text, or why there is none (the caller words the message).
struct PolicyText {
  enum class Problem { none, unreadable, not_regular, too_big };
  std::string text;
  Problem problem = Problem::none;
  int err = 0;  // errno, for Problem::unreadable
};

// The top-level policy: any readable file, as the command line may name /dev/stdin or a
// process substitution (a pipe), which block until written: the user asked for that.
PolicyText read_top_level_policy(const std::string& path);

// An included policy: a regular file only, as a policy file can name any path and /dev/zero
// would be read forever, a FIFO or /dev/stdin would block.
PolicyText read_included_policy(const std::filesystem::path& path);

}  // namespace xpledge
