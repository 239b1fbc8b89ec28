#include "ring_fds.hpp"

#include <linux/kcmp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <fmt/format.h>
#include <memory>
#include <vector>

#include "proc_facts.hpp"

namespace xpledge::engine {

namespace {

constexpr std::string_view kRingInode = "anon_inode:[io_uring]";

// A ring among the descriptors of `task_dir`/fd: "fd N", "" if none, or why it cannot tell.
std::string ring_fd_in(const std::string& task_dir) {
  const auto fds = proc_numbers(task_dir + "/fd");
  if (!fds && errno == ENOENT) return {};
  if (!fds) return fmt::format("{}/fd unreadable: errno {}", task_dir, errno);
  for (const long fd : *fds) {
    char link[PATH_MAX];
    const std::string at = fmt::format("{}/fd/{}", task_dir, fd);
    const ssize_t n = readlink(at.c_str(), link, sizeof link - 1);
    if (n > 0 && is_ring_link(std::string_view(link, static_cast<std::size_t>(n))))
      return fmt::format("descriptor {}", fd);
  }
  return {};
}

bool shares_files(pid_t a, pid_t b) { return syscall(SYS_kcmp, a, b, KCMP_FILES, 0, 0) == 0; }

}  // namespace

bool is_ring_link(std::string_view fd_link) { return fd_link == kRingInode; }

bool is_ring_mapping(std::string_view maps_line) {
  while (!maps_line.empty() && (maps_line.back() == '\n' || maps_line.back() == ' '))
    maps_line.remove_suffix(1);
  return maps_line.ends_with(kRingInode);
}

bool is_io_worker_stat(std::string_view stat) {
  constexpr unsigned long kPfIoWorker = 0x10;  // include/linux/sched.h, since Linux 5.12
  const std::size_t close = stat.rfind(')');   // the name may hold spaces and parentheses
  if (close == std::string_view::npos) return false;
  std::string_view rest = stat.substr(close + 1);
  // After the name: state ppid pgrp session tty_nr tpgid flags.
  for (int field = 0; field < 6; ++field) {
    const std::size_t at = rest.find_first_not_of(' ');
    if (at == std::string_view::npos) return false;
    const std::size_t end = rest.find(' ', at);
    if (end == std::string_view::npos) return false;
    rest = rest.substr(end);
  }
  const std::size_t at = rest.find_first_not_of(' ');
  if (at == std::string_view::npos) return false;
  unsigned long flags = 0;
  const auto [ptr, ec] = std::from_chars(rest.data() + at, rest.data() + rest.size(), flags);
  return ec == std::errc() && (flags & kPfIoWorker) != 0;
}

std::string ring_held(pid_t tgid) {
  const std::string proc = "/proc/" + std::to_string(tgid);
  const auto tids = proc_numbers(proc + "/task");
  if (!tids) return fmt::format("{}/task unreadable: errno {}", proc, errno);
  for (const long tid : *tids) {
    const auto id = static_cast<pid_t>(tid);
    const std::string task = fmt::format("{}/task/{}", proc, id);
    if (is_io_worker_stat(read_small_file(task + "/stat", 4096)))
      return fmt::format("io_uring thread {} ({})", id, read_comm(id));
    // Threads that unshared their file table (unshare(CLONE_FILES)) have one of their own.
    if (id != tgid && shares_files(tgid, id)) continue;
    if (std::string fd = ring_fd_in(task); !fd.empty()) return fmt::format("thread {}: {}", id, fd);
  }
  // Mapped rings live on after their descriptor is closed.
  const std::string maps = read_small_file(proc + "/maps", std::size_t{64} << 20);
  if (maps.empty()) return proc + "/maps unreadable";
  for (std::size_t at = 0; at < maps.size();) {
    const std::size_t nl = std::min(maps.find('\n', at), maps.size());
    if (is_ring_mapping(std::string_view(maps).substr(at, nl - at))) return "a mapping of a ring";
    at = nl + 1;
  }
  return {};
}

}  // namespace xpledge::engine
