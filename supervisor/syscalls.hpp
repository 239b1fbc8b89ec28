#pragma once
// Syscall names and numbers per ABI (from libseccomp), and our own table of what libseccomp does
// not know: which arguments are paths, dirfds, flag words. Used by the evaluator (path rules),
// the audit log (strace-like decoding) and the tracer (which arguments to read).
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "abi.hpp"

namespace xpledge {

std::optional<std::int64_t> syscall_nr(Abi abi, std::string_view name);
// "openat", or "syscall_462" for a number libseccomp does not name.
std::string syscall_name(Abi abi, std::int64_t nr);
// Every name libseccomp knows for this ABI, sorted; for "did you mean" hints.
const std::vector<std::string>& syscall_names(Abi abi);
// Every number libseccomp names for this ABI (x32 ones with kX32SyscallBit), ascending, with its
// name. Built on first use per ABI: each probe is a linear search in libseccomp.
struct KnownSyscall {
  std::int64_t nr;
  std::string name;
};
const std::vector<KnownSyscall>& known_syscalls(Abi abi);

enum class ArgKind : std::uint8_t {
  none,         // not used by this call
  num,          // decimal
  hex,          // pointer or opaque word
  fd,
  pid,          // pid_t (an int on every ABI; negative: a process group)
  dirfd,        // fd or AT_FDCWD
  path,         // NUL-terminated path in tracee memory
  str,          // other string in tracee memory (e.g. symlink target)
  open_flags,
  mode,
  at_flags,
  signal,
  clone_flags,
  prot,
  map_flags,
  af,           // address family
  sock_type,
};

// How a path argument is used; `open` means "look at the open flags argument".
enum class PathUse : std::uint8_t { read, write, create, exec, open };

struct PathArgSpec {
  std::int8_t path_arg;   // index of the path pointer
  std::int8_t dirfd_arg;  // index of the dirfd it is relative to, -1 = the cwd
  PathUse use;
  std::int8_t flags_arg;  // for PathUse::open: index of the open flags, -1 = none
};

struct SyscallSig {
  std::string_view name;
  std::array<ArgKind, 6> args;
  std::array<PathArgSpec, 2> paths;  // unused entries have path_arg = -1
  std::uint8_t npaths;
  std::span<const PathArgSpec> path_args() const { return {paths.data(), npaths}; }
};

// nullptr for calls we have no signature for (decoded as raw hex).
const SyscallSig* syscall_sig(std::string_view name);
std::span<const SyscallSig> all_syscall_sigs();

}  // namespace xpledge
