#pragma once
// Pre-filters built at build time (gen_builtin_prefilters) for the default policy and the
// shipped examples (policies/examples), each under its prefilter_key: `xpledge run` looks the
// loaded policy's key up here and loads those bytes instead of running libseccomp, which cost
// ~2.5 ms of CPU and ~125 page faults per start-up of the default policy, ~1 ms for
// read-only-fs.yaml (issue 21). Compiled into the binary: nothing a sandboxed program can write.
#include <cstdint>
#include <span>
#include <string_view>

namespace xpledge {

struct BuiltinPrefilter {
  std::string_view source;  // the policy it was built from ("<default>" or a file name)
  std::uint64_t key_hash;   // key_hash(key) (prefilter_key.hpp): most lookups end here without reading the key
  std::string_view key;     // prefilter_key() of that policy
  std::span<const unsigned char> bytes;  // struct sock_filter instructions
};

std::span<const BuiltinPrefilter> builtin_prefilters();

// The filter built for a policy with exactly this key; empty if none was.
std::span<const unsigned char> builtin_prefilter(std::string_view key);

}  // namespace xpledge
