#pragma once
// Resolve a stopped call's path arguments as the kernel would see them: relative to the tracee's
// cwd or dirfd (from /proc), `.`/`..` normalised, with the access the call asks for.
#include <sys/types.h>

#include <vector>

#include "abi.hpp"
#include "policy.hpp"

namespace xpledge {

// One PathArg per path argument of the call (none for calls without path arguments).
std::vector<PathArg> resolve_path_args(pid_t tid, const Syscall& call);

// The process a tracee's descriptor refers to: a pidfd ("Pid:" in its fdinfo) or a directory
// of /proc ("/proc/N", which pidfd_send_signal accepts too). 0 for anything else or on error.
pid_t fd_target_pid(pid_t tid, int fd);

// Access asked for by open flags: write (O_WRONLY/O_RDWR/O_TRUNC), create (O_CREAT/O_TMPFILE),
// read otherwise. Pure.
Access access_from_open_flags(std::uint64_t flags);

}  // namespace xpledge
