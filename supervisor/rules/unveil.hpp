#pragma once
// SYS_xunveil = 10001: a per-process table of unveiled paths with OpenBSD unveil(2) semantics,
// and the pure check of a resolved path against it. No I/O: the tracer resolves the paths
// (relative ones against the cwd at the call, as policy path rules) and applies the verdicts.
#include <cerrno>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "policy.hpp"
#include "syscalls.hpp"

namespace xpledge {

inline constexpr std::int64_t kSysXunveil = kXunveilCallNr;
inline constexpr std::size_t kMaxUnveiledPaths = 128;  // more -> E2BIG (OpenBSD's limit)

// Letters of unveil(2)'s permissions.
enum UnveilPerm : unsigned { kUnveilRead = 1, kUnveilWrite = 2, kUnveilExec = 4, kUnveilCreate = 8 };

// Letters of "rwxc" -> bits; nullopt for anything else.
std::optional<unsigned> parse_unveil_permissions(std::string_view text);

struct UnveilState {
  bool active = false;  // a first call was made: every path not unveiled is hidden
  bool locked = false;  // unveil(NULL, NULL), or a pledge without `unveil`: no more calls
  std::map<std::string, unsigned> paths;  // absolute, normalised -> permission bits
};

struct UnveilOutcome {
  int err = 0;         // 0, EINVAL, EPERM, E2BIG
  std::string detail;  // for the log
};

// One call. `path` is the resolved absolute path (nullopt: NULL), `permissions` the string
// (nullopt: NULL). NULL, NULL locks; one NULL is EINVAL; after the lock EPERM; a path already
// unveiled may only keep or lose permissions (EPERM otherwise); a failed call changes nothing.
UnveilOutcome apply_unveil(UnveilState& state, const std::optional<std::string>& path,
                           const std::optional<std::string>& permissions);

// The errno OpenBSD answers for `access` to the resolved absolute `path`: 0 when unveiling is
// not active or the most specific unveiled path covering it (itself or a directory above it)
// grants the access; ENOENT when no unveiled path covers it; EACCES when the covering one
// lacks the permission (create needs c, write w, read r, exec x).
int check_unveil(const UnveilState& state, std::string_view path, Access access);

// Seccomp mode: what a new process (fork, vfork) gets of its parent's table, from the
// Seccomp_filters counts the engine reads at its fork event. `installed_count`: the count of the
// thread that stacked the unveil filter, just after (0: none); `child_count`: the child's now;
// `forker_count`: the forking thread's now; `own_filters`: the program stacks filters of its
// own (per-thread counts may differ). The kernel copied the forking thread's filters when it
// forked; the engine copies the table at the event, which may come after the commit: a child
// without the filter forked before the first xunveil() and gets that view (nothing unveiled);
// one the counts cannot place is killed.
enum class ChildUnveil : std::uint8_t { copy, forked_before, unknown };
ChildUnveil child_unveil_view(long installed_count, long child_count, long forker_count,
                              bool own_filters);

// Calls that reach a file by something other than a path the supervisor resolves and checks:
// a file handle (open_by_handle_at), the kernel's own lookups on a ring's submissions (io_uring:
// IORING_OP_OPENAT and its kin run unseen, also on a ring made before unveil), another
// process's descriptor (pidfd_getfd), a path in a struct or a string we do not read (bpf's
// BPF_OBJ_GET, fanotify_mark, quotactl, lookup_dcookie, the mount API: fsconfig, fspick,
// move_mount, mount_setattr, fsopen and fsmount; i386 socketcall, whose sockaddr we do not
// read, may name an AF_UNIX path). OpenBSD's unveil covers every lookup; ours
// cannot judge these, so while a table hides paths they are refused whatever the policy says
// (rule `unveil`, kUnveilBlindErr). Sorted; names from libseccomp's tables (unit-tested).
std::span<const std::string_view> unveil_blind_syscalls();
bool reaches_files_unseen(std::string_view name);
// EACCES: the answer unveil gives a lookup the table does not permit; whether the file would be
// visible cannot be told.
inline constexpr int kUnveilBlindErr = EACCES;

// At a successful execve the new image starts with nothing unveiled (OpenBSD).
inline void unveil_on_exec(UnveilState& state) { state = UnveilState{}; }

}  // namespace xpledge
