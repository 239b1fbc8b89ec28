#pragma once
// Syscall names and numbers per ABI: libseccomp's, plus a supplement generated from the kernel's
// own tables (scripts/gen-syscall-supplement) for the calls libseccomp does not know yet. And our
// own table of what libseccomp never knows: which arguments are paths, dirfds, flag words. Used by the evaluator (path rules),
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

// The supervisor's own calls (x86-64 numbers no kernel uses; libxpledge's xpledge.h): no table
// knows them, records name them.
inline constexpr std::int64_t kXpledgeCallNr = 10000;
inline constexpr std::int64_t kXunveilCallNr = 10001;

// libseccomp first; the supplement only where libseccomp knows nothing.
std::optional<std::int64_t> syscall_nr(Abi abi, std::string_view name);
// "openat", "xpledge"/"xunveil" for ours, or "syscall_999" for a number nothing names.
std::string syscall_name(Abi abi, std::int64_t nr);
// Does this build name (abi, nr)? A number it does not is refused with ENOSYS (policy.cpp).
bool syscall_known(Abi abi, std::int64_t nr);

// One call's number on every ABI, resolved once (name lookups allocate in libseccomp): for
// code on the per-stop path that asks "is this call X?". A function-local `static const` each.
class CallNumbers {
 public:
  explicit CallNumbers(std::string_view name) {
    for (std::size_t i = 0; i < kAllAbis.size(); ++i) nr_[i] = syscall_nr(kAllAbis[i], name);
  }
  std::optional<std::int64_t> on(Abi abi) const { return nr_[static_cast<std::size_t>(abi)]; }
  bool is(const Syscall& call) const { return on(call.abi) == call.nr; }

 private:
  std::array<std::optional<std::int64_t>, kAllAbis.size()> nr_;
};
struct SyscallSig;
// A call's name and signature, looked up at most once (syscall_name asks libseccomp and
// allocates) and only if someone asks: an allowed call that needs neither never pays for it.
// One per syscall stop (engine StopFacts), handed to the guard and the observers.
class CallName {
 public:
  explicit CallName(const Syscall& call) : abi_(call.abi), nr_(call.nr) {}
  const std::string& name() const;
  const SyscallSig* sig() const;  // null: a call we hold no signature for

 private:
  Abi abi_;
  std::int64_t nr_;
  mutable std::optional<std::string> name_;
  mutable std::optional<const SyscallSig*> sig_;
};

// The kernel's __O_TMPFILE bit alone (glibc's O_TMPFILE also carries O_DIRECTORY). Any open
// with it set creates an unnamed file or fails with EINVAL.
inline constexpr std::uint64_t kKernelTmpfileBit = 020000000;

// Calls that give a file a new name, the first path being the file (the move guard of deny
// path rules, and the exit check of what they moved).
inline constexpr std::string_view kMoveCalls[] = {"rename", "renameat", "renameat2", "link",
                                                  "linkat"};
inline bool is_move_name(std::string_view name) {
  for (std::string_view m : kMoveCalls)
    if (name == m) return true;
  return false;
}

// Every name known for this ABI, sorted; for "did you mean" hints.
const std::vector<std::string>& syscall_names(Abi abi);
// Every number named for this ABI (x32 ones with kX32SyscallBit), ascending, with its name.
// Built on first use per ABI: each libseccomp probe is a linear search.
struct KnownSyscall {
  std::int64_t nr;
  std::string name;
};
const std::vector<KnownSyscall>& known_syscalls(Abi abi);

// One row of the generated supplement (supervisor/syscall_supplement.inc): numbers per ABI,
// -1 where that ABI lacks the call.
struct SupplementSyscall {
  std::string_view name;
  std::int64_t x86_64;
  std::int64_t i386;
  std::int64_t x32;
  std::optional<std::int64_t> nr(Abi abi) const;
};
std::span<const SupplementSyscall> syscall_supplement();
// The kernel release the supplement was generated from ("6.19").
std::string_view syscall_tables_release();
// The libseccomp linked at run time ("2.5.4").
std::string libseccomp_version();
// libseccomp's own answers, without the supplement (for the agreement test and the probe).
std::optional<std::int64_t> libseccomp_syscall_nr(Abi abi, std::string_view name);
std::optional<std::string> libseccomp_syscall_name(Abi abi, std::int64_t nr);
// Is `name` a real call on any architecture libseccomp has tables for (arm, ppc64le, s390x...)?
// `import oci` tells another arch's call in a multi-arch profile from a misspelt one.
bool libseccomp_knows_on_some_arch(std::string_view name);

// Calls that do the same thing to a path and differ only in how it is named (symlink following,
// a dirfd + AT_ flags in the *at form): setxattr, lsetxattr and setxattrat. A rule with path
// conditions on one member applies to every member (policy.cpp); empty for other calls.
std::span<const std::string_view> path_family(std::string_view name);

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
  sockaddr,     // struct sockaddr pointer; its length is the next argument
  msghdr,       // struct msghdr pointer a message is sent from (sendmsg): name and control
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
