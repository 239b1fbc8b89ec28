// rules/unix_path.hpp: which sockaddr bytes name a filesystem socket, as Linux's
// unix_validate_addr and unix_mkname_bsd take them, and what unveil asks of each call.
#include <doctest/doctest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <cstddef>
#include <cstring>
#include <string>

#include "unix_path.hpp"
#include "unveil.hpp"

using namespace xpledge;

namespace {

// The bytes a call passes: the family, `path` (NULs included) and `len` bytes in all.
std::string sun(std::string_view path, std::size_t len, sa_family_t family = AF_UNIX) {
  sockaddr_un a{};
  a.sun_family = family;
  std::memcpy(a.sun_path, path.data(), std::min(path.size(), sizeof a.sun_path));
  std::string raw(reinterpret_cast<const char*>(&a), sizeof a);
  raw.resize(len, '\0');
  return raw;
}

constexpr std::size_t kAt = offsetof(sockaddr_un, sun_path);

}  // namespace

TEST_CASE("unix path: a pathname socket's name, up to its NUL or its length") {
  CHECK(unix_socket_path(sun("/run/docker.sock", sizeof(sockaddr_un))) == "/run/docker.sock");
  // SUN_LEN: no NUL counted; the kernel ends the name at the length.
  CHECK(unix_socket_path(sun("/run/docker.sock", kAt + 16)) == "/run/docker.sock");
  CHECK(unix_socket_path(sun("/run/docker.sock", kAt + 4)) == "/run");
  CHECK(unix_socket_path(sun("rel/s.sock", kAt + 11)) == "rel/s.sock");
  // Bytes after the first NUL are not the name.
  CHECK(unix_socket_path(sun(std::string_view("/a\0/b", 5), kAt + 5)) == "/a");
  // A full sun_path without a NUL: the kernel terminates it past the end.
  const std::string full(sizeof(sockaddr_un::sun_path), 'x');
  CHECK(unix_socket_path(sun(full, sizeof(sockaddr_un))) == full);
}

TEST_CASE("unix path: abstract, unnamed, other families and bad lengths name no file") {
  CHECK_FALSE(unix_socket_path(sun(std::string_view("\0abstract", 9), kAt + 9)));
  CHECK_FALSE(unix_socket_path(sun("", kAt)));           // unnamed: bind autobinds
  CHECK_FALSE(unix_socket_path(sun("/x", 1)));           // shorter than the family
  CHECK_FALSE(unix_socket_path(""));
  CHECK_FALSE(unix_socket_path(sun("/x", sizeof(sockaddr_un) + 1)));  // the kernel's EINVAL
  CHECK_FALSE(unix_socket_path(sun("/run/x.sock", sizeof(sockaddr_un), AF_INET)));
  CHECK_FALSE(unix_socket_path(sun("/run/x.sock", sizeof(sockaddr_un), AF_INET6)));
}

TEST_CASE("unix path: bind needs c and keeps its last component, the others need w") {
  CHECK(unix_path_use(true).access == Access::create);
  CHECK_FALSE(unix_path_use(true).follows_last);
  CHECK(unix_path_use(false).access == Access::write);
  CHECK(unix_path_use(false).follows_last);
  // As OpenBSD answers them: under an "rw" directory connect works and bind does not.
  UnveilState st;
  REQUIRE(apply_unveil(st, std::string("/srv/sock"), std::string("rw")).err == 0);
  CHECK(check_unveil(st, "/srv/sock/s", unix_path_use(false).access) == 0);
  CHECK(check_unveil(st, "/srv/sock/s", unix_path_use(true).access) == EACCES);
  CHECK(check_unveil(st, "/run/docker.sock", unix_path_use(false).access) == ENOENT);
}

TEST_CASE("unix path: the calls whose address may name one") {
  for (const char* n : {"bind", "connect", "sendmmsg", "sendmsg", "sendto"})
    CHECK_MESSAGE(names_socket_address(n), n);
  for (const char* n : {"accept", "recvfrom", "recvmsg", "socket", "write", "getsockname"})
    CHECK_FALSE_MESSAGE(names_socket_address(n), n);
}

TEST_CASE("unix path: a relative name pinned as the absolute path judged, in the same length") {
  const std::string raw = sun("s.sock", sizeof(sockaddr_un));
  const auto abs = unix_addr_with_path(raw, "/srv/sock/s.sock");
  REQUIRE(abs);
  CHECK(abs->size() == raw.size());  // the call's length (and sendmsg's msg_namelen) stay
  CHECK(unix_socket_path(*abs) == "/srv/sock/s.sock");
  // SUN_LEN of the relative name leaves no room: the caller refuses the call.
  CHECK_FALSE(unix_addr_with_path(sun("s.sock", kAt + 6), "/srv/sock/s.sock"));
  CHECK_FALSE(unix_addr_with_path(sun("s.sock", kAt + 7), "/srv/sock/s.sock"));
  const auto exact = unix_addr_with_path(sun("s.sock", kAt + 17), "/srv/sock/s.sock");
  REQUIRE(exact);
  CHECK(unix_socket_path(*exact) == "/srv/sock/s.sock");
  CHECK_FALSE(unix_addr_with_path("", "/x"));
}
