#include "proc_facts.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/kcmp.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <fstream>
#include <memory>

namespace xpledge::engine {

// tgkill(TGID, TID, 0) sends nothing: the kernel looks TID up and answers 0 only if its thread
// group is TGID (ESRCH otherwise) and we may signal it. One syscall, where /proc/PID/status is
// an open, a read of ~1.5 KB the kernel formats, a close and a parse: that read was a quarter of
// the supervisor's CPU time in a fork+exec loop (bench/RESULTS.md, "Issue 21, fork+exec").
bool in_thread_group(pid_t tgid, pid_t tid) {
  return tgid > 0 && tid > 0 && syscall(SYS_tgkill, tgid, tid, 0) == 0;
}

// The `nth` number (from 0) after `key` in /proc/PID/status ("Tgid:", "TracerPid:", "Uid:"
// real effective ...), -1 if unreadable.
long status_field(pid_t pid, std::string_view key, int nth) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string word;
  while (in >> word) {
    if (word == key) {
      long v = -1;
      for (int i = 0; i <= nth; ++i) in >> v;
      return in ? v : -1;
    }
    in.ignore(4096, '\n');
  }
  return -1;
}

pid_t read_tgid(pid_t tid) {
  if (in_thread_group(tid, tid)) return tid;  // a process's first thread: the common case
  const long tgid = status_field(tid, "Tgid:");
  return tgid > 0 ? static_cast<pid_t>(tgid) : 0;
}

pid_t new_task_tgid(pid_t child, pid_t creator_tgid) {
  if (in_thread_group(child, child)) return child;
  if (in_thread_group(creator_tgid, child)) return creator_tgid;
  return read_tgid(child);  // not ours to signal, or gone (0): /proc says
}

std::string read_comm(pid_t tid) {
  std::ifstream in("/proc/" + std::to_string(tid) + "/comm");
  std::string comm;
  std::getline(in, comm);
  return comm.empty() ? "?" : comm;
}

std::string read_small_file(const std::string& path, std::size_t cap) {
  std::string out;
  if (const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
    char chunk[4096];
    for (ssize_t got; out.size() < cap && (got = read(fd, chunk, sizeof chunk)) > 0;)
      out.append(chunk, static_cast<std::size_t>(got));
    close(fd);
  }
  return out;
}

std::optional<std::pair<dev_t, ino_t>> stat_id(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return std::nullopt;
  return std::make_pair(st.st_dev, st.st_ino);
}

// Whether two processes share one address space (a CLONE_VM clone: vfork, posix_spawn). kcmp
// needs CONFIG_KCMP; without it the answer is "no", which is safe: the child's copy is then
// verified against its maps, and an attach that finds the area already there takes it.
bool shares_address_space(pid_t a, pid_t b) {
  return syscall(SYS_kcmp, a, b, KCMP_VM, 0, 0) == 0;
}

std::optional<std::vector<long>> proc_numbers(const std::string& dir) {
  struct Closer {
    void operator()(DIR* d) const { closedir(d); }
  };
  const std::unique_ptr<DIR, Closer> d(opendir(dir.c_str()));
  if (!d) return std::nullopt;
  std::vector<long> out;
  while (const dirent* e = readdir(d.get())) {
    const std::string_view name = e->d_name;
    long v = 0;  // from_chars: the loop never throws
    const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), v);
    if (ec == std::errc() && end == name.data() + name.size()) out.push_back(v);
  }
  return out;
}

}  // namespace xpledge::engine
