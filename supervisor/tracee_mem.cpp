#include "tracee_mem.hpp"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

namespace xpledge {

namespace {

constexpr std::uint64_t kPage = 4096;

// One chunk that does not cross a page boundary, so a partial mapping fails cleanly.
ssize_t read_chunk(pid_t pid, std::uint64_t addr, char* buf, std::size_t len) {
  iovec local{buf, len};
  iovec remote{reinterpret_cast<void*>(addr), len};
  ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
  if (n >= 0 || (errno != ENOSYS && errno != EPERM)) return n;
  // Kernels without CONFIG_CROSS_MEMORY_ATTACH, or LSMs refusing it: fall back to /proc/PID/mem.
  const std::string mem = "/proc/" + std::to_string(pid) + "/mem";
  const int fd = open(mem.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  n = pread(fd, buf, len, static_cast<off_t>(addr));
  close(fd);
  return n;
}

std::size_t to_page_end(std::uint64_t addr) {
  return static_cast<std::size_t>(kPage - (addr % kPage));
}

}  // namespace

bool read_bytes(pid_t pid, std::uint64_t addr, void* buf, std::size_t len) {
  auto* out = static_cast<char*>(buf);
  while (len > 0) {
    if (addr == 0 || addr + len < addr) return false;
    const std::size_t chunk = std::min(len, to_page_end(addr));
    const ssize_t n = read_chunk(pid, addr, out, chunk);
    if (n <= 0) return false;
    const auto got = static_cast<std::size_t>(n);
    out += got;
    addr += got;
    len -= got;
  }
  return true;
}

bool write_bytes(pid_t pid, std::uint64_t addr, const void* buf, std::size_t len) {
  iovec local{const_cast<void*>(buf), len};
  iovec remote{reinterpret_cast<void*>(addr), len};
  if (process_vm_writev(pid, &local, 1, &remote, 1, 0) == static_cast<ssize_t>(len)) return true;
  const std::string mem = "/proc/" + std::to_string(pid) + "/mem";
  const int fd = open(mem.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const ssize_t n = pwrite(fd, buf, len, static_cast<off_t>(addr));
  close(fd);
  return n == static_cast<ssize_t>(len);
}

StringRead read_string(pid_t pid, std::uint64_t addr, std::size_t max_len) {
  StringRead r;
  char buf[kPage];
  while (r.value.size() <= max_len) {
    if (addr == 0 || addr > UINT64_MAX - kPage) return {{}, EFAULT};
    const std::size_t chunk = to_page_end(addr);
    const ssize_t n = read_chunk(pid, addr, buf, chunk);
    if (n <= 0) return {{}, EFAULT};
    const auto got = static_cast<std::size_t>(n);
    if (const void* nul = std::memchr(buf, '\0', got)) {
      r.value.append(buf, static_cast<std::size_t>(static_cast<const char*>(nul) - buf));
      if (r.value.size() > max_len) break;
      return r;
    }
    r.value.append(buf, got);
    addr += got;
  }
  return {{}, ENAMETOOLONG};
}

}  // namespace xpledge
