#pragma once
// Which kind of call a stop is, where the engine treats one specially. Pure.
#include <string_view>

#include "abi.hpp"
#include "policy.hpp"

namespace xpledge::engine {

bool is_seccomp_call(const Syscall& call);
bool installs_own_filter(const Syscall& call);
bool is_open_call(std::string_view name);
bool pin_resolved(const PathArg& p, std::string_view call_name);
bool is_clone3_call(const Syscall& call);

}  // namespace xpledge::engine
