#pragma once
// The filesystem name an AF_UNIX socket address gives the kernel, PURE. OpenBSD looks the name
// up through namei, so unveil applies to it (kern/uipc_usrreq.c: unp_bind with UNVEIL_CREATE
// and NOFOLLOW, unp_connect with UNVEIL_WRITE and FOLLOW, a datagram sent to a name connects
// first); Linux resolves it in unix_find_bsd/unix_bind_bsd, which a path rule never saw.
#include <optional>
#include <string>
#include <string_view>

#include "policy.hpp"

namespace xpledge {

// The path a sockaddr of `raw` bytes (as the call passed them, its length included) names, as
// Linux takes it (unix_validate_addr, unix_mkname_bsd): family AF_UNIX, a length above
// sa_family_t and at most sizeof(struct sockaddr_un), sun_path up to its first NUL or the
// length. nullopt for everything else: another family, an unnamed address (autobind), an
// abstract one (sun_path[0] == 0: a name in the network namespace, no file; Landlock ABI 6 can
// scope those), or a length the kernel refuses before any lookup.
std::optional<std::string> unix_socket_path(std::string_view raw);

// The same sockaddr (its length unchanged) naming `path` instead: a relative name is pinned as
// the absolute path it was judged as, since another thread may fchdir() the process before the
// kernel resolves it. nullopt when `path` and its NUL do not fit in the length the call gave.
std::optional<std::string> unix_addr_with_path(std::string_view raw, std::string_view path);

// What the call does to that path, as unveil judges it: bind creates the socket file (`c`,
// its last component not followed); connect, and sendto/sendmsg to a name, reach the socket
// there (`w`, symlinks followed).
struct UnixPathUse {
  Access access = Access::write;
  bool follows_last = true;
};
UnixPathUse unix_path_use(bool bind);

// The calls that may name an AF_UNIX path in a sockaddr (sorted): bind, connect, sendmmsg,
// sendmsg, sendto. While unveil hides paths they stop (the unveil filter), except a sendto
// with no address (its fifth argument 0: a send on a connected socket).
bool names_socket_address(std::string_view name);
inline constexpr unsigned kSendtoAddrArg = 4;

}  // namespace xpledge
