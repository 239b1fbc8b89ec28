#pragma once
// Resolve a stopped call's path arguments as the kernel would see them: relative to the tracee's
// cwd or dirfd (from /proc), `.`/`..` normalised, with the access the call asks for.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "abi.hpp"
#include "policy.hpp"
#include "syscalls.hpp"

namespace xpledge {

// The sizes of struct open_how openat2 takes: from OPEN_HOW_SIZE_VER0 (which glibc's headers
// lack) to a page; others get EINVAL or E2BIG from the kernel.
inline constexpr std::uint64_t kMinOpenHowBytes = 24;
inline constexpr std::uint64_t kMaxOpenHowBytes = 4096;

// One PathArg per path argument of the call (none for calls without path arguments), each
// resolved to the object the call reaches (path_walk.hpp). `anchors`: the policy's
// (Policy::Impl::dir_anchors), for PathArg::alt_paths.
std::vector<PathArg> resolve_path_args(pid_t tid, const Syscall& call,
                                       std::span<const DirAnchor> anchors = {});
// The same with the call's signature already looked up (nullptr: a call without one).
std::vector<PathArg> resolve_path_args(pid_t tid, const Syscall& call, const SyscallSig* sig,
                                       std::span<const DirAnchor> anchors);

// A name the call gives in memory other than as a path argument (an AF_UNIX socket's
// sun_path), resolved as a path argument relative to the cwd (AT_FDCWD) would be.
PathArg resolve_named_path(pid_t tid, std::string_view name, Access access, bool follows_last);

// The process a tracee's descriptor refers to: a pidfd ("Pid:" in its fdinfo) or a directory
// of /proc ("/proc/N", which pidfd_send_signal accepts too). 0 for anything else or on error.
pid_t fd_target_pid(pid_t tid, int fd);

// The `resolve` field (RESOLVE_* flags) of openat2's struct open_how bytes; 0 if too short.
// Pure.
std::uint64_t open_how_resolve(std::string_view open_how_bytes);

// Does the call follow a symlink in path argument `index`'s last component? `open_flags`: the
// open flags of an open-like call (O_NOFOLLOW, O_CREAT|O_EXCL); otherwise the call's name (lstat,
// unlink, rename...) and its AT_SYMLINK_NOFOLLOW / AT_SYMLINK_FOLLOW flag decide. Pure.
bool follows_last(const SyscallSig& sig, std::size_t index, const Syscall& call,
                  std::optional<std::uint64_t> open_flags);

// The struct open_how an open/openat/creat/openat2 call becomes when it is pointed at its
// resolved path: its own flags and mode as the kernel would take them, and
// RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS. nullopt: the call must stay as it is (openat2
// with RESOLVE_* of its own, or a struct the kernel would refuse). Pure.
std::optional<std::string> no_symlinks_open_how(std::string_view name, const Syscall& call,
                                                std::string_view how_bytes);

// The open flags of an open/openat/creat/openat2 call (openat2's from its struct bytes);
// nullopt for other calls or a struct too short. Pure.
std::optional<std::uint64_t> open_call_flags(std::string_view name, const Syscall& call,
                                             std::string_view how_bytes);

// Does an open/openat/creat/openat2 call truncate what it opens (O_TRUNC, not O_PATH)?
// openat2's flags come from its struct bytes (false if too short). Pure.
bool open_truncates(std::string_view name, const Syscall& call, std::string_view how_bytes);

// openat2's struct open_how bytes with flags `clear` taken off and `set` put on; the rest (its
// mode, its RESOLVE_*) as it was. Bytes too short to hold the flags come back unchanged. Pure.
std::string open_how_with_flags(std::string_view how_bytes, std::uint64_t clear,
                                std::uint64_t set);

// Access asked for by open flags: write (O_WRONLY/O_RDWR/O_TRUNC), create (O_CREAT/O_TMPFILE),
// read otherwise. Pure.
Access access_from_open_flags(std::uint64_t flags);

}  // namespace xpledge
