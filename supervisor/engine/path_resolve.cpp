#include "path_resolve.hpp"

#include <fcntl.h>
#include <linux/limits.h>
#include <linux/openat2.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "path_match.hpp"
#include "path_walk.hpp"
#include "rule_binding.hpp"
#include "rule_eval.hpp"
#include "syscalls.hpp"
#include "tracee_mem.hpp"

namespace xpledge {

namespace {

bool read_link(const std::string& link, std::string& out) {
  char buf[PATH_MAX];
  const ssize_t n = readlink(link.c_str(), buf, sizeof buf);
  if (n <= 0 || static_cast<std::size_t>(n) >= sizeof buf) return false;
  out.assign(buf, static_cast<std::size_t>(n));
  return true;
}

// A decimal pid, the whole of `s`; 0 otherwise.
pid_t parse_pid(std::string_view s) {
  if (s.empty() || s.size() > 9) return 0;
  pid_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + (c - '0');
  }
  return v;
}

// `unreadable`: openat2's struct could not be read at a size the kernel takes, so it cannot be
// pinned either; the call is then refused with EFAULT rather than left to a second read.
Access access_of(const PathArgSpec& spec, pid_t tid, const Syscall& call, const SyscallSig& sig,
                 std::string& open_how_bytes, bool& unreadable, std::uint64_t& open_flags) {
  switch (spec.use) {
    case PathUse::read: return Access::read;
    case PathUse::write: return Access::write;
    case PathUse::create: return Access::create;
    case PathUse::exec: return Access::exec;
    case PathUse::open: break;
  }
  if (spec.flags_arg < 0) return Access::read;
  std::uint64_t flags = call.args[static_cast<std::size_t>(spec.flags_arg)];
  if (sig.name == "openat2") {
    // openat2's flags live in struct open_how; unreadable -> treated as the widest access.
    // Sizes the kernel accepts are read whole, to be pinned as they were judged.
    open_how how{};
    const std::uint64_t size = call.args[3];
    if (size >= kMinOpenHowBytes && size <= kMaxOpenHowBytes) {
      std::string bytes(size, '\0');
      if (!read_bytes(tid, flags, bytes.data(), bytes.size())) {
        unreadable = true;
        return Access::create;
      }
      std::memcpy(&how.flags, bytes.data(), sizeof how.flags);
      open_how_bytes = std::move(bytes);
    } else if (!read_bytes(tid, flags, &how, sizeof how.flags)) {
      return Access::create;
    }
    flags = how.flags;
  }
  open_flags = flags;
  return access_from_open_flags(flags);
}

}  // namespace

std::uint64_t open_how_resolve(std::string_view open_how_bytes) {
  open_how how{};
  if (open_how_bytes.size() < offsetof(open_how, resolve) + sizeof how.resolve) return 0;
  std::memcpy(&how.resolve, open_how_bytes.data() + offsetof(open_how, resolve), sizeof how.resolve);
  return how.resolve;
}

std::optional<std::string> no_symlinks_open_how(std::string_view name, const Syscall& call,
                                                std::string_view how_bytes) {
  open_how how{};
  if (name == "openat2") {
    if (how_bytes.size() < sizeof how) return std::nullopt;
    std::memcpy(&how, how_bytes.data(), sizeof how);
    // The program's own RESOLVE_* (BENEATH, IN_ROOT: relative to its dirfd) stay its own; bytes
    // past the struct we know are the kernel's E2BIG unless zero.
    if (how.resolve != 0) return std::nullopt;
    for (std::size_t i = sizeof how; i < how_bytes.size(); ++i)
      if (how_bytes[i] != 0) return std::nullopt;
  } else {
    const auto given = open_call_flags(name, call, {});
    if (!given) return std::nullopt;
    std::uint64_t flags = *given;
    const std::uint64_t mode = call.args[name == "open" ? 2 : name == "openat" ? 3 : 1];
    // What the kernel's build_open_how() makes of open()'s int flags and mode: unknown flags
    // dropped (openat2 would refuse them), O_PATH keeping only its own, a mode only to create.
    constexpr std::uint64_t kLargeFile = 0100000;  // the kernel's O_LARGEFILE (glibc says 0)
    constexpr std::uint64_t kValid = O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC |
                                     O_APPEND | O_NONBLOCK | O_SYNC | O_DSYNC | O_ASYNC |
                                     O_DIRECT | kLargeFile | O_DIRECTORY | O_NOFOLLOW |
                                     O_NOATIME | O_CLOEXEC | O_PATH | O_TMPFILE;
    constexpr std::uint64_t kPathFlags = O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC;
    flags = (flags & 0xffffffffu) & kValid;
    if (flags & O_PATH) flags &= kPathFlags;
    const bool creates = (flags & O_CREAT) || (flags & kKernelTmpfileBit);
    how.flags = flags;
    how.mode = creates ? (mode & 07777) : 0;
  }
  how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  return std::string(reinterpret_cast<const char*>(&how), sizeof how);
}

std::optional<std::uint64_t> open_call_flags(std::string_view name, const Syscall& call,
                                             std::string_view how_bytes) {
  std::uint64_t flags = 0;
  if (name == "open") return call.args[1];
  if (name == "openat") return call.args[2];
  if (name == "creat") return O_CREAT | O_WRONLY | O_TRUNC;
  if (name != "openat2" || how_bytes.size() < sizeof flags) return std::nullopt;
  std::memcpy(&flags, how_bytes.data(), sizeof flags);
  return flags;
}

bool open_truncates(std::string_view name, const Syscall& call, std::string_view how_bytes) {
  const auto flags = open_call_flags(name, call, how_bytes);
  return flags && (*flags & O_TRUNC) && !(*flags & O_PATH);
}

std::string open_how_with_flags(std::string_view how_bytes, std::uint64_t clear,
                                std::uint64_t set) {
  std::string out(how_bytes);
  std::uint64_t flags = 0;
  if (out.size() < sizeof flags) return out;
  std::memcpy(&flags, out.data(), sizeof flags);
  flags = (flags & ~clear) | set;
  std::memcpy(out.data(), &flags, sizeof flags);
  return out;
}

// The policy's own reading (rule_eval open_access): the pre-filter and pledge filters test an
// open's class in the flags register on the promise that the tracer reads it the same way.
Access access_from_open_flags(std::uint64_t flags) { return open_access(flags); }

namespace {

// The object's names under the anchors that have moved since the policy was loaded (`moved`).
std::vector<std::string> paths_under_moved_anchors(const std::string& path,
                                                   const std::vector<const DirAnchor*>& moved) {
  std::vector<std::string> out;
  if (path.empty() || path.front() != '/') return out;
  for (const DirAnchor* a : moved) {
    for (std::size_t end = path.size(); end > 0; end = path.rfind('/', end - 1)) {
      if (file_id_of(path.substr(0, end)) == a->id) {
        out.push_back(a->prefix + path.substr(end));
        break;
      }
    }
  }
  return out;
}

// The index of the call's AT_* flags argument, if it has one.
std::optional<std::size_t> at_flags_arg(const SyscallSig& sig) {
  for (std::size_t i = 0; i < sig.args.size(); ++i)
    if (sig.args[i] == ArgKind::at_flags) return i;
  return std::nullopt;
}

}  // namespace

bool follows_last(const SyscallSig& sig, std::size_t index, const Syscall& call,
                  std::optional<std::uint64_t> open_flags) {
  // The last component is the name the call acts on, not what a symlink there points to.
  static constexpr std::string_view kNoFollow[] = {
      "lchown", "lchown32", "lgetxattr", "link", "llistxattr", "lremovexattr", "lsetxattr",
      "lstat", "lstat64", "mkdir", "mkdirat", "mknod", "mknodat", "oldlstat", "readlink",
      "readlinkat", "rename", "renameat", "renameat2", "rmdir", "symlink", "symlinkat", "unlink",
      "unlinkat"};
  for (std::string_view n : kNoFollow)
    if (sig.name == n) return false;
  if (sig.name == "linkat") return index == 0 && (call.args[4] & AT_SYMLINK_FOLLOW);
  if (sig.name == "name_to_handle_at") return call.args[4] & AT_SYMLINK_FOLLOW;
  if (sig.name == "inotify_add_watch") return !(call.args[2] & IN_DONT_FOLLOW);
  if (open_flags) {
    if (*open_flags & O_NOFOLLOW) return false;
    return !((*open_flags & O_CREAT) && (*open_flags & O_EXCL));
  }
  if (const auto at = at_flags_arg(sig)) return !(call.args[*at] & AT_SYMLINK_NOFOLLOW);
  return true;
}

std::vector<PathArg> resolve_path_args(pid_t tid, const Syscall& call,
                                       std::span<const DirAnchor> anchors) {
  return resolve_path_args(tid, call, syscall_sig(syscall_name(call.abi, call.nr)), anchors);
}

namespace {

// The directory a relative path starts from: the tracee's cwd or its dirfd's directory. An
// error when it has no such descriptor, or we may not read its view (the kernel's link is there).
bool start_dir(const std::string& proc, int dirfd, std::string& base, PathArg& arg) {
  const std::string link = dirfd == AT_FDCWD ? proc + "/cwd" : proc + "/fd/" + std::to_string(dirfd);
  if (read_link(link, base)) return true;
  arg.err = EBADF;
  if (access(link.c_str(), F_OK) != 0 && errno == EACCES) {
    arg.err = EACCES;
    arg.no_view = true;
  }
  return false;
}

// What the walk found, into `arg`.
void take_walk(PathArg& arg, WalkResult w, bool in_root,
               const std::vector<const DirAnchor*>& moved) {
  if (w.err == ESRCH) {
    // Its root could not be opened through /proc: judged as the string it is, a symlink in it
    // would lead anywhere unseen.
    arg.err = EACCES;
    arg.no_view = true;
    arg.path = arg.literal;
    return;
  }
  if (!w.path.empty() && w.path.front() != '/' && w.err == 0 && w.exists) {
    arg.path = std::move(w.path);  // an object with no path: "pipe:[5]", "anon_inode:..."
  } else if (!w.path.empty() && w.path.front() == '/') {
    arg.path = std::move(w.path);
  } else {
    arg.path = arg.literal;  // could not be resolved: the kernel will fail it too
  }
  if (w.err == ENOENT || w.err == ENOTDIR || w.err == ELOOP) arg.walk_err = w.err;
  if (w.exists) arg.id = w.id;
  arg.plain = w.plain && w.err == 0 && !in_root && open_how_resolve(arg.open_how) == 0;
  if (!moved.empty()) arg.alt_paths = paths_under_moved_anchors(arg.path, moved);
}

// Path argument `i` of the call (spec `spec`), read and resolved as the kernel would.
PathArg resolve_one(pid_t tid, const Syscall& call, const SyscallSig& sig, std::size_t i,
                    const std::vector<const DirAnchor*>& moved) {
  const PathArgSpec& spec = sig.path_args()[i];
  PathArg arg;
  bool how_unreadable = false;
  std::uint64_t flags = 0;
  arg.access = access_of(spec, tid, call, sig, arg.open_how, how_unreadable, flags);
  if (how_unreadable) {
    arg.err = EFAULT;
    return arg;
  }
  const auto dirfd = spec.dirfd_arg < 0
                         ? AT_FDCWD
                         : static_cast<int>(call.args[static_cast<std::size_t>(spec.dirfd_arg)]);
  const std::uint64_t ptr = call.args[static_cast<std::size_t>(spec.path_arg)];
  // utimensat(fd, NULL, ...) sets the times of fd's own file (futimens), as futimesat does:
  // no string to read.
  arg.on_dirfd = ptr == 0 && (sig.name == "utimensat" || sig.name == "futimesat") &&
                 dirfd != AT_FDCWD;
  const StringRead s = arg.on_dirfd ? StringRead{} : read_string(tid, ptr, PATH_MAX - 1);
  if (s.err) {
    arg.err = s.err;
    return arg;
  }
  std::string base = "/";
  // openat2 with RESOLVE_IN_ROOT: the dirfd is the root, also for absolute paths, and ".."
  // stops there: the path is resolved under "/" and then put below the dirfd's directory.
  const bool in_root = open_how_resolve(arg.open_how) & RESOLVE_IN_ROOT;
  if ((in_root || s.value.empty() || s.value[0] != '/') &&
      !start_dir("/proc/" + std::to_string(tid), dirfd, base, arg))
    return arg;
  if (in_root) {
    const std::string under = normalise_path("/", s.value);
    arg.literal = base == "/" ? under : normalise_path(base, under.substr(1));
  } else {
    arg.literal = normalise_path(base, s.value);
  }
  arg.raw = s.value;
  arg.follows_last = follows_last(sig, i, call,
                                  spec.use == PathUse::open && spec.flags_arg >= 0
                                      ? std::optional<std::uint64_t>(flags)
                                      : std::nullopt);
  const auto at_flags = at_flags_arg(sig);
  const bool empty_path = arg.on_dirfd || (at_flags && (call.args[*at_flags] & AT_EMPTY_PATH));
  take_walk(arg, walk_path(tid, dirfd, s.value, arg.follows_last, empty_path, in_root), in_root,
            moved);
  return arg;
}

}  // namespace

std::vector<PathArg> resolve_path_args(pid_t tid, const Syscall& call, const SyscallSig* sig,
                                       std::span<const DirAnchor> anchors) {
  std::vector<PathArg> out;
  if (!sig) return out;
  std::vector<const DirAnchor*> moved;  // looked at once per call, not per path
  for (const DirAnchor& a : anchors)
    if (anchor_moved(a)) moved.push_back(&a);
  for (std::size_t i = 0; i < sig->path_args().size(); ++i)
    out.push_back(resolve_one(tid, call, *sig, i, moved));
  return out;
}

PathArg resolve_named_path(pid_t tid, std::string_view name, Access access, bool follows_last) {
  PathArg arg;
  arg.access = access;
  arg.follows_last = follows_last;
  std::string base = "/";
  if ((name.empty() || name[0] != '/') &&
      !start_dir("/proc/" + std::to_string(tid), AT_FDCWD, base, arg))
    return arg;
  arg.literal = normalise_path(base, name);
  arg.raw = std::string(name);
  take_walk(arg, walk_path(tid, AT_FDCWD, name, follows_last, false, false), false, {});
  return arg;
}

pid_t fd_target_pid(pid_t tid, int fd) {
  if (fd < 0) return 0;
  const std::string base = "/proc/" + std::to_string(tid);
  std::string target;
  if (!read_link(base + "/fd/" + std::to_string(fd), target)) return 0;
  if (target.starts_with("/proc/")) return parse_pid(std::string_view(target).substr(6));
  if (target != "anon_inode:[pidfd]") return 0;
  std::ifstream info(base + "/fdinfo/" + std::to_string(fd));
  for (std::string line; std::getline(info, line);)
    if (line.starts_with("Pid:")) {
      std::string_view v(line);
      v.remove_prefix(4);
      while (!v.empty() && (v.front() == '\t' || v.front() == ' ')) v.remove_prefix(1);
      return parse_pid(v);
    }
  return 0;
}

}  // namespace xpledge
