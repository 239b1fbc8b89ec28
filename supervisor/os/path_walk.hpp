#pragma once
// Resolve a tracee's path to the object the kernel would reach (issue 17): symlinks followed
// (the last component too when the call follows it), `..` taken after them, /proc's magic links
// (fd/N, cwd, root, exe of any pid) followed to what they name, /proc/self and
// /proc/thread-self meaning the tracee, the start being the tracee's own root, cwd or dirfd.
// Everything is read through /proc/TID/, never the supervisor's own view of "self".
//
// The common case costs a few system calls: the kernel resolves the path in one openat2 with
// RESOLVE_NO_MAGICLINKS (O_PATH: nothing is opened for reading); a path that crosses a magic
// link, ends in /proc, is missing its last component or meets a dangling symlink is walked
// component by component instead, as the kernel would.
#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "file_id.hpp"

namespace xpledge {

struct WalkResult {
  int err = 0;           // why the path could not be resolved at all (EBADF dirfd, ELOOP...)
  std::string path;      // the object reached, as the supervisor names it ("pipe:[5]" for one
                         // with no path); when the last component is missing: its parent's
                         // path + "/" + the name
  bool exists = false;   // the last component exists; `id` and `is_dir` are then set
  FileId id{};
  bool is_dir = false;
  // `path` names the object for the tracee too: an absolute path made of real directories and
  // names only (no symlink, nothing in /proc), the tracee's root and mount namespace being the
  // supervisor's. Only such a path may replace the tracee's in the call (pinned with
  // RESOLVE_NO_SYMLINKS).
  bool plain = false;
};

// `dirfd` is AT_FDCWD or a descriptor of the tracee; `follow_last`: the call follows a symlink
// in the last component; `empty_is_dirfd`: an empty path names the dirfd's object itself
// (AT_EMPTY_PATH); `in_root`: openat2's RESOLVE_IN_ROOT (the dirfd is the root).
WalkResult walk_path(pid_t tid, int dirfd, std::string_view path, bool follow_last,
                     bool empty_is_dirfd, bool in_root);

}  // namespace xpledge
