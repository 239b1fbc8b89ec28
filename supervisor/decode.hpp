#pragma once
// strace-like rendering of a call's arguments: paths as quoted strings, flag words by name.
// Pure but for the string reader it is given.
#include <cstdint>
#include <functional>
#include <string>

#include "abi.hpp"
#include "tracee_mem.hpp"

namespace xpledge {

using StringReader = std::function<StringRead(std::uint64_t addr)>;

// "openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC)"; `[i386] ` prefix for other ABIs.
std::string decode_call(const Syscall& call, const StringReader& read);
std::string quote_string(std::string_view s, std::size_t max = 256);
std::string errno_name(int err);  // "EPERM", or the number
std::string signal_name(int sig);  // "SIGTERM"
std::string open_flags_name(std::uint64_t flags);

}  // namespace xpledge
