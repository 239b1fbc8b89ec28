#include "builtin_prefilters.hpp"

#include "prefilter_key.hpp"

namespace xpledge {

std::span<const unsigned char> builtin_prefilter(std::string_view key) {
  const std::uint64_t h = key_hash(key);
  for (const BuiltinPrefilter& b : builtin_prefilters())
    if (b.key_hash == h && b.key == key) return b.bytes;
  return {};
}

}  // namespace xpledge
