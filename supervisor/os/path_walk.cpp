#include "path_walk.hpp"

#include <fcntl.h>
#include <linux/limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <fstream>
#include <utility>

namespace xpledge {

namespace {

constexpr int kMaxLinks = 40;       // the kernel's MAXSYMLINKS
constexpr ino_t kProcRootIno = 1;   // PROC_ROOT_INO: the root directory of a procfs mount

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }

 private:
  void reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  int fd_ = -1;
};

Fd open_path(int dirfd, const char* name, int extra) {
  return Fd(openat(dirfd, name, O_PATH | O_CLOEXEC | extra));
}

Fd dup_fd(const Fd& f) { return Fd(fcntl(f.get(), F_DUPFD_CLOEXEC, 0)); }

std::optional<std::string> read_link_at(int dirfd, const char* name) {
  char buf[PATH_MAX];
  const ssize_t n = readlinkat(dirfd, name, buf, sizeof buf);
  if (n < 0 || static_cast<std::size_t>(n) >= sizeof buf) return std::nullopt;
  return std::string(buf, static_cast<std::size_t>(n));
}

// The path of a descriptor the supervisor holds, as the kernel prints it.
std::string fd_path(const Fd& f) {
  return read_link_at(AT_FDCWD, ("/proc/self/fd/" + std::to_string(f.get())).c_str())
      .value_or(std::string());
}

bool in_procfs(const Fd& f) {
  struct statfs s {};
  return fstatfs(f.get(), &s) == 0 && s.f_type == PROC_SUPER_MAGIC;
}

std::optional<FileId> id_of(const Fd& f, bool* is_dir = nullptr, bool* is_link = nullptr) {
  struct stat st {};
  if (fstat(f.get(), &st) != 0) return std::nullopt;
  if (is_dir) *is_dir = S_ISDIR(st.st_mode);
  if (is_link) *is_link = S_ISLNK(st.st_mode);
  return FileId{st.st_dev, st.st_ino};
}


// The tracee's thread group id and thread id as a procfs of its own pid namespace names them:
// the last values of NStgid/NSpid in /proc/TID/status.
std::pair<std::string, std::string> tracee_ids(pid_t tid) {
  std::ifstream in("/proc/" + std::to_string(tid) + "/status");
  std::string tgid, pid;
  const auto last_field = [](const std::string& line) {
    const auto at = line.find_last_of(" \t");
    return at == std::string::npos ? std::string() : line.substr(at + 1);
  };
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("NStgid:")) tgid = last_field(line);
    if (line.starts_with("NSpid:")) pid = last_field(line);
  }
  return {tgid, pid};
}

void push_components(std::deque<std::string>& out, std::string_view path) {
  std::deque<std::string> parts;
  std::size_t i = 0;
  while (i < path.size()) {
    const auto j = path.find('/', i);
    const auto end = j == std::string_view::npos ? path.size() : j;
    if (end > i) parts.emplace_back(path.substr(i, end - i));
    i = end + 1;
  }
  // A trailing slash asks for a directory and follows a last symlink: keep it as ".".
  if (!path.empty() && path.back() == '/' && !parts.empty()) parts.emplace_back(".");
  out.insert(out.begin(), parts.begin(), parts.end());
}

std::string join(const std::string& dir, const std::string& name) {
  return dir == "/" ? "/" + name : dir + "/" + name;
}

WalkResult from_fd(const Fd& f) {
  WalkResult r;
  bool dir = false;
  const auto id = id_of(f, &dir);
  if (!id) {
    r.err = errno ? errno : EBADF;
    return r;
  }
  r.exists = true;
  r.id = *id;
  r.is_dir = dir;
  r.path = fd_path(f);
  return r;
}

// The tracee's own entry for /proc's "self" or "thread-self", not the supervisor's: "self" is
// read by whoever resolves it. False when the tracee's ids could not be read.
bool push_proc_self(std::deque<std::string>& todo, const std::string& comp,
                    const std::pair<std::string, std::string>& ids) {
  if (ids.first.empty()) return false;
  if (comp == "self") {
    todo.push_front(ids.first);
  } else {
    todo.push_front(ids.second);
    todo.push_front("task");
    todo.push_front(ids.first);
  }
  return true;
}

// `comp` could not be opened in `cur` (errno `e`), with `todo` still to walk.
WalkResult not_found(int e, const Fd& cur, const std::string& comp,
                     const std::deque<std::string>& todo, bool magic) {
  WalkResult r;
  r.path = join(fd_path(cur), comp);
  // A missing last name, or one followed only by the "." of a trailing slash ("newdir/" for
  // mkdir): the kernel decides what that means (mkdir makes it, an O_CREAT open says EISDIR),
  // not a missing middle component.
  const bool only_dots =
      std::all_of(todo.begin(), todo.end(), [](const std::string& c) { return c == "."; });
  if (e == ENOENT && only_dots) {
    r.plain = !magic && !in_procfs(cur) && !r.path.empty() && r.path.front() == '/';
    return r;
  }
  r.err = e;
  for (const auto& rest : todo) r.path = join(r.path, rest);
  return r;
}

// The kernel's walk, one component at a time, from `cur` (the start) under `root`.
WalkResult slow_walk(pid_t tid, Fd root, Fd cur, std::string_view path, bool follow_last) {
  const auto root_id = id_of(root);
  std::deque<std::string> todo;
  push_components(todo, path);
  if (!path.empty() && path.front() == '/') cur = dup_fd(root);
  int links = 0;
  bool magic = false;  // a magic link was followed (a missing name below one is not plain)
  std::optional<std::pair<std::string, std::string>> ids;  // read once, when /proc/self is met
  WalkResult r;
  while (!todo.empty()) {
    if (!cur.ok()) {
      r.err = EBADF;
      return r;
    }
    const std::string comp = std::move(todo.front());
    todo.pop_front();
    if (comp == ".") continue;
    if (comp == "..") {
      if (id_of(cur) == root_id) continue;  // ".." stops at the root, as for the kernel
      cur = open_path(cur.get(), "..", O_DIRECTORY);
      continue;
    }
    const bool at_proc_root = in_procfs(cur) && id_of(cur).value_or(FileId{}).ino == kProcRootIno;
    if (at_proc_root && (comp == "self" || comp == "thread-self")) {
      if (++links > kMaxLinks) return WalkResult{ELOOP, {}, false, {}, false, false};
      if (!ids) ids = tracee_ids(tid);
      if (!push_proc_self(todo, comp, *ids)) return WalkResult{ESRCH, {}, false, {}, false, false};
      continue;
    }
    Fd next = open_path(cur.get(), comp.c_str(), O_NOFOLLOW);
    if (!next.ok()) return not_found(errno, cur, comp, todo, magic);
    bool is_link = false;
    if (!id_of(next, nullptr, &is_link)) {
      r.err = errno;
      return r;
    }
    if (!is_link || (todo.empty() && !follow_last)) {
      cur = std::move(next);
      continue;
    }
    if (++links > kMaxLinks) return WalkResult{ELOOP, {}, false, {}, false, false};
    if (in_procfs(cur) && !at_proc_root) {
      // A magic link (fd/N, cwd, root, exe, map_files/..., ns/...): the kernel jumps to the
      // object itself, whatever its text says. Opened by the supervisor, which may (tracer).
      Fd target = open_path(cur.get(), comp.c_str(), 0);
      if (!target.ok()) {
        r.err = errno;
        return r;
      }
      magic = true;
      cur = std::move(target);
      continue;
    }
    const auto text = read_link_at(next.get(), "");
    if (!text || text->empty()) {
      r.err = ENOENT;
      return r;
    }
    push_components(todo, *text);
    if (text->front() == '/') cur = dup_fd(root);
  }
  r = from_fd(cur);
  // After a magic link too: the object's own path names it (a pinned openat2 then reaches it
  // without the link; a link swapped in its way fails it).
  r.plain = r.exists && !in_procfs(cur) && !r.path.empty() && r.path.front() == '/' &&
            !r.path.ends_with(" (deleted)");
  return r;
}

const std::optional<FileId>& own_root() {
  static const std::optional<FileId> id = file_id_of("/");
  return id;
}

const std::string& own_mnt_ns() {
  static const std::string ns = read_link_at(AT_FDCWD, "/proc/self/ns/mnt").value_or("");
  return ns;
}

}  // namespace

namespace {

WalkResult walk_once(pid_t tid, int dirfd, std::string_view path, bool follow_last,
                     bool empty_is_dirfd, bool in_root) {
  const std::string proc = "/proc/" + std::to_string(tid);
  const bool absolute = !path.empty() && path.front() == '/';
  Fd base;
  if (!absolute || in_root) {
    const std::string link =
        dirfd == AT_FDCWD ? proc + "/cwd" : proc + "/fd/" + std::to_string(dirfd);
    base = open_path(AT_FDCWD, link.c_str(), 0);
    if (!base.ok()) return WalkResult{EBADF, {}, false, {}, false, false};
  }
  if (path.empty()) {
    if (!empty_is_dirfd) return WalkResult{ENOENT, {}, false, {}, false, false};
    return from_fd(base);
  }
  if (in_root) return slow_walk(tid, dup_fd(base), std::move(base), path, follow_last);
  const std::string root_link = proc + "/root";
  const bool same_view = own_root().has_value() && file_id_of(root_link) == own_root() &&
                         read_link_at(AT_FDCWD, (proc + "/ns/mnt").c_str()) == own_mnt_ns();
  if (same_view) {
    // One openat2 in the common case: the tracee's root is ours, so the kernel's own walk
    // from here is the tracee's; magic links, and anything ending in /proc, are left to the
    // slow walk (their meaning depends on who reads them).
    open_how how{};
    how.flags = O_PATH | O_CLOEXEC | (follow_last ? 0 : O_NOFOLLOW);
    how.resolve = RESOLVE_NO_MAGICLINKS;
    const std::string p(path);
    Fd f(static_cast<int>(
        syscall(SYS_openat2, absolute ? AT_FDCWD : base.get(), p.c_str(), &how, sizeof how)));
    if (f.ok() && !in_procfs(f)) {
      WalkResult r = from_fd(f);
      r.plain = r.exists && !r.path.empty() && r.path.front() == '/' &&
                !r.path.ends_with(" (deleted)");
      return r;
    }
  }
  Fd root = open_path(AT_FDCWD, root_link.c_str(), O_DIRECTORY);
  if (!root.ok()) return WalkResult{ESRCH, {}, false, {}, false, false};
  WalkResult r = slow_walk(tid, std::move(root), std::move(base), path, follow_last);
  if (!same_view) r.plain = false;
  return r;
}

}  // namespace

WalkResult walk_path(pid_t tid, int dirfd, std::string_view path, bool follow_last,
                     bool empty_is_dirfd, bool in_root) {
  // An object unlinked while we looked (a name being replaced by rename): look again, the name
  // now has its new object.
  WalkResult r;
  for (int i = 0; i < 4; ++i) {
    r = walk_once(tid, dirfd, path, follow_last, empty_is_dirfd, in_root);
    if (!r.exists || !r.path.ends_with(" (deleted)") || path.empty()) break;
  }
  return r;
}

}  // namespace xpledge
