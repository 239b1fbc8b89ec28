#pragma once
// Everything build_prefilter reads, as one string: the answers of PrefilterQuestions
// (prefilter.hpp) for every ABI and every call of its table, which is all the filter is built
// from besides constants compiled into xpledge (the guard's and the scratch area's limits) and
// libseccomp's tables (their names and numbers are in the key). Two (policy, Landlock plan)
// pairs with the same key get the same pre-filter, so a filter built ahead for one (at build
// time: builtin_prefilters.hpp) can serve any with that key. Pure.
#include <cstdint>
#include <string>
#include <string_view>

#include "policy.hpp"

namespace xpledge {

struct LandlockPlan;

// `landlock`: the plan the filter is built with (its level-(b) opens), or null.
std::string prefilter_key(const Policy& policy, const LandlockPlan* landlock = nullptr);

// FNV-1a, 64-bit: a fast first comparison, never trusted alone (the key is compared in full).
std::uint64_t key_hash(std::string_view key);

}  // namespace xpledge
