#pragma once
// Everything build_prefilter reads from a policy, as one string: per ABI whether it is allowed,
// and per named call of that ABI its number, whether the policy allows it whatever the
// arguments, and (x86-64) the register tests under which it does. Two policies with the same
// key get the same pre-filter, so a filter built ahead for one policy (at build time:
// builtin_prefilters.hpp) can serve any policy with that key. Pure.
#include <cstdint>
#include <string>
#include <string_view>

#include "policy.hpp"

namespace xpledge {

std::string prefilter_key(const Policy& policy);

// FNV-1a, 64-bit: a fast first comparison, never trusted alone (the key is compared in full).
std::uint64_t key_hash(std::string_view key);

}  // namespace xpledge
