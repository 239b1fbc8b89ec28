#pragma once
// AF_UNIX socket paths under unveil: the name a connect, bind, sendto or sendmsg gives in its
// sockaddr reaches a file (a listening socket, or one bind creates), and OpenBSD's unveil judges
// that lookup (rules/unix_path.hpp). The sockaddr is read once with the call's address
// (addr_pinning.cpp read_call_addr) and pinned with it if the call runs, so the kernel looks up
// the name that was judged.
#include <sys/types.h>

#include <optional>

#include "policy.hpp"
#include "sock_addr.hpp"
#include "syscalls.hpp"

namespace xpledge::engine {

// The path the call's address names, resolved as the kernel will (relative to the cwd, bind not
// following its last component); nullopt when it names no filesystem socket (another family,
// abstract, unnamed, no address). An address that could not be read or decoded is a PathArg
// with that error: such a call is not pinned (pin_addr), so another thread could make it an
// AF_UNIX name after the check; while unveil hides paths it is refused with the kernel's errno.
// A relative name is resolved against the cwd at the check, which another thread can change
// (fchdir to a descriptor of a hidden directory) before the kernel resolves it: `addr.raw`, the
// bytes pin_addr pins, then names the absolute path judged; where that cannot be (it does not
// fit in the call's length, or it is no plain path) the call is refused (ENAMETOOLONG).
std::optional<PathArg> unix_socket_path_arg(pid_t tid, const Syscall& call, AddrArg& addr);

}  // namespace xpledge::engine
