#include "tracee_mem.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace xpledge {

namespace {

constexpr std::uint64_t kPage = 4096;

// Tracee memory is read and written through /proc/PID/mem, never process_vm_readv/writev. Both
// reach the tracee's pages through the kernel's get_user_pages, but process_vm_* lets a fault
// wait for whoever resolves it: a page registered with a userfaultfd (or /dev/userfaultfd) that
// the tracee never fills would put the supervisor to sleep in the call, uninterruptibly, with
// every other tracee waiting for it (issue 15, item 5). /proc/PID/mem faults without the right to
// wait (no FAULT_FLAG_ALLOW_RETRY): the kernel answers such a fault on a userfaultfd range with
// SIGBUS, the read fails with EIO, and we fail closed (EFAULT).
//
// The files are kept open per thread, up to kCached of them: an open costs about as much as the
// read. A file is bound to the address space it was opened on, so a kept one must go when the
// thread's address space changes or its tid ends (forget_tracee_memory: exec, exit). A failed
// read through a kept file is tried once more through a fresh one: a file whose address space
// has ended reads nothing, whatever was not forgotten.
constexpr std::size_t kCached = 64;

struct Cached {
  pid_t tid = 0;
  int fd = -1;
};
std::array<Cached, kCached> g_cache;  // the supervisor's loop is single-threaded
std::size_t g_next_evict = 0;

// A read-write /proc/TID/mem: the kept one, or (fresh, or none kept) a new one, kept.
int mem_file(pid_t tid, bool fresh) {
  for (Cached& c : g_cache)
    if (c.fd >= 0 && c.tid == tid) {
      if (!fresh) return c.fd;
      close(c.fd);
      c = {};
    }
  char path[32];
  std::snprintf(path, sizeof path, "/proc/%d/mem", static_cast<int>(tid));
  const int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) return -1;
  auto slot = std::find_if(g_cache.begin(), g_cache.end(), [](const Cached& c) {
    return c.fd < 0;
  });
  if (slot == g_cache.end()) {
    slot = g_cache.begin() + static_cast<std::ptrdiff_t>(g_next_evict);
    g_next_evict = (g_next_evict + 1) % kCached;
    close(slot->fd);
  }
  *slot = {tid, fd};
  return fd;
}

// io(fd) through the kept file, and once more through a fresh one if it failed.
template <typename Io>
bool with_mem(pid_t tid, Io io) {
  for (const bool fresh : {false, true}) {
    const int fd = mem_file(tid, fresh);
    if (fd < 0) return false;
    if (io(fd)) return true;
  }
  return false;
}

// One chunk that does not cross a page boundary, so a partial mapping fails cleanly. The file
// takes offsets as unsigned: an address above 2^63 goes through as it is (and fails).
ssize_t read_chunk(int fd, std::uint64_t addr, char* buf, std::size_t len) {
  return pread(fd, buf, len, static_cast<off_t>(addr));
}

std::size_t to_page_end(std::uint64_t addr) {
  return static_cast<std::size_t>(kPage - (addr % kPage));
}

}  // namespace

bool read_bytes(pid_t pid, std::uint64_t addr, void* buf, std::size_t len) {
  if (len == 0) return true;
  return with_mem(pid, [&](int fd) {
    auto* out = static_cast<char*>(buf);
    std::uint64_t at = addr;
    std::size_t left = len;
    while (left > 0) {
      if (at == 0 || at + left < at) return false;
      const std::size_t chunk = std::min(left, to_page_end(at));
      const ssize_t n = read_chunk(fd, at, out, chunk);
      if (n <= 0) return false;
      const auto got = static_cast<std::size_t>(n);
      out += got;
      at += got;
      left -= got;
    }
    return true;
  });
}

bool write_bytes(pid_t pid, std::uint64_t addr, const void* buf, std::size_t len) {
  return with_mem(pid, [&](int fd) {
    return pwrite(fd, buf, len, static_cast<off_t>(addr)) == static_cast<ssize_t>(len);
  });
}

StringRead read_string(pid_t pid, std::uint64_t addr, std::size_t max_len) {
  StringRead r;
  const bool done = with_mem(pid, [&](int fd) {
    char buf[kPage];
    std::uint64_t at = addr;
    r = {};
    while (r.value.size() <= max_len) {
      if (at == 0 || at > UINT64_MAX - kPage) return (r.err = EFAULT), false;
      const std::size_t chunk = to_page_end(at);
      const ssize_t n = read_chunk(fd, at, buf, chunk);
      if (n <= 0) return (r.err = EFAULT), false;
      const auto got = static_cast<std::size_t>(n);
      if (const void* nul = std::memchr(buf, '\0', got)) {
        r.value.append(buf, static_cast<std::size_t>(static_cast<const char*>(nul) - buf));
        if (r.value.size() > max_len) break;
        return true;
      }
      r.value.append(buf, got);
      at += got;
    }
    r.err = ENAMETOOLONG;
    return true;  // read, and too long: a fresh file would say the same
  });
  if (!done || r.err) return {{}, r.err ? r.err : EFAULT};
  return r;
}

void forget_tracee_memory(pid_t tid) {
  for (Cached& c : g_cache)
    if (c.fd >= 0 && c.tid == tid) {
      close(c.fd);
      c = {};
    }
}

}  // namespace xpledge
