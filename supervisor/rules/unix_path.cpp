#include "unix_path.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>
#include <cstring>

namespace xpledge {

std::optional<std::string> unix_socket_path(std::string_view raw) {
  constexpr std::size_t kPathAt = offsetof(sockaddr_un, sun_path);
  if (raw.size() <= kPathAt || raw.size() > sizeof(sockaddr_un)) return std::nullopt;
  sa_family_t family = 0;
  std::memcpy(&family, raw.data(), sizeof family);
  if (family != AF_UNIX || raw[kPathAt] == '\0') return std::nullopt;
  const std::string_view path = raw.substr(kPathAt);
  return std::string(path.substr(0, path.find('\0')));
}

std::optional<std::string> unix_addr_with_path(std::string_view raw, std::string_view path) {
  constexpr std::size_t kPathAt = offsetof(sockaddr_un, sun_path);
  if (raw.size() <= kPathAt || path.size() + 1 > raw.size() - kPathAt) return std::nullopt;
  std::string out(raw.substr(0, kPathAt));
  out += path;
  out.resize(raw.size(), '\0');
  return out;
}

bool names_socket_address(std::string_view name) {
  return name == "bind" || name == "connect" || name == "sendmmsg" || name == "sendmsg" ||
         name == "sendto";
}

UnixPathUse unix_path_use(bool bind) {
  if (bind) return {Access::create, false};
  return {Access::write, true};
}

}  // namespace xpledge
