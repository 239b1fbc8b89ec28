// libFuzzer target: the lexical path normaliser and the glob matcher used by path rules
// (path_match.hpp). Input: a base directory, a path and a pattern. Invariants:
//   - normalise_path gives an absolute path with no empty, "." or ".." component and no
//     trailing slash (except "/"), and is idempotent (normalising the result changes nothing,
//     whatever the base);
//   - a pattern glob_error() accepts never crashes or hangs glob_match; "/**" matches every
//     normalised path; a normalised path without glob characters is a valid pattern matching
//     itself.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>

#include "path_match.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace xpledge;
  FuzzedDataProvider in(data, size);
  const std::string base = "/" + in.ConsumeRandomLengthString(512);
  const std::string path = in.ConsumeRandomLengthString(4096);
  const std::string pattern = in.ConsumeRemainingBytesAsString();

  const std::string r = normalise_path(base, path);
  if (r.empty() || r.front() != '/') __builtin_trap();
  if (r.size() > 1 && r.back() == '/') __builtin_trap();
  if (r.find("//") != std::string::npos) __builtin_trap();
  if (r.find("/./") != std::string::npos || r.ends_with("/.")) __builtin_trap();
  if (r.find("/../") != std::string::npos || r.ends_with("/..")) __builtin_trap();
  if (normalise_path("/", r) != r || normalise_path(base, r) != r) __builtin_trap();

  if (!glob_match("/**", r)) __builtin_trap();
  if (r.find_first_of("*?[\\") == std::string::npos && r.find('\0') == std::string::npos) {
    if (glob_error(r)) __builtin_trap();
    if (!glob_match(r, r)) __builtin_trap();
  }
  if (!glob_error(pattern)) (void)glob_match(pattern, r);
  return 0;
}
