#include "syscalls.hpp"

#include <seccomp.h>

#include "syscall_probe.hpp"

#include <algorithm>
#include <cstdlib>
#include <mutex>

namespace xpledge {

#include "syscall_supplement.inc"

namespace {

// Numbers are probed upwards until kProbeGap in a row are unknown past the last known one (the
// widest hole today is x86-64's 335..423), and never beyond kMaxProbe; libseccomp 2.5.4 knows
// up to ~460, x32 up to 547 (both plus kX32SyscallBit for x32).
constexpr std::int64_t kMaxProbe = 1024;
constexpr std::int64_t kProbeGap = 256;

// libseccomp's numbers, then the supplement's where libseccomp has no name for the number (it
// never names a number the supplement gives another name: a unit test checks both ways).
std::vector<KnownSyscall> probe_numbers(Abi abi) {
  std::vector<KnownSyscall> out;
  const std::int64_t base = abi == Abi::x32 ? static_cast<std::int64_t>(kX32SyscallBit) : 0;
  const std::uint32_t arch = abi_scmp_arch(abi);
  for (std::int64_t n = 0, last = 0; n < kMaxProbe && n - last <= kProbeGap; ++n) {
    if (char* name = seccomp_syscall_resolve_num_arch(arch, static_cast<int>(base + n))) {
      out.push_back({base + n, name});
      std::free(name);
      last = n;
    }
  }
  for (const SupplementSyscall& s : kSupplement) {
    const auto nr = s.nr(abi);
    const bool named = std::any_of(out.begin(), out.end(), [&](const KnownSyscall& k) {
      return k.nr == nr || k.name == s.name;
    });
    if (nr && !named) out.push_back({*nr, std::string(s.name)});
  }
  std::sort(out.begin(), out.end(),
            [](const KnownSyscall& a, const KnownSyscall& b) { return a.nr < b.nr; });
  return out;
}

const SupplementSyscall* supplement_by_name(std::string_view name) {
  for (const SupplementSyscall& s : kSupplement)
    if (s.name == name) return &s;
  return nullptr;
}

// Every form of one operation on a path is a family: the old call, its *at form (a dirfd),
// its newer forms (flags, a struct, Linux 6.6 fchmodat2 which glibc 2.39 uses) and i386's
// wide-uid and 64-bit stat names. A path rule (no args, whose positions differ) on one member
// holds for all, each judged with its own flags and follow semantics: otherwise `deny openat`
// on a file is stepped around with open(), creat() truncates it, `deny unlinkat` with unlink().
// A family ends at its first empty name.
constexpr std::string_view kPathFamilies[][9] = {
    {"open", "openat", "openat2", "creat"},
    {"stat", "lstat", "newfstatat", "statx", "stat64", "lstat64", "fstatat64", "oldstat",
     "oldlstat"},
    {"access", "faccessat", "faccessat2"},
    {"chmod", "fchmodat", "fchmodat2"},
    {"chown", "lchown", "fchownat", "chown32", "lchown32"},
    {"unlink", "unlinkat", "rmdir"},  // rmdir is unlinkat(AT_REMOVEDIR)
    {"mkdir", "mkdirat"},
    {"mknod", "mknodat"},
    {"rename", "renameat", "renameat2"},
    {"link", "linkat"},
    {"symlink", "symlinkat"},
    {"readlink", "readlinkat"},
    {"utime", "utimes", "futimesat", "utimensat"},
    {"execve", "execveat"},
    {"getxattr", "lgetxattr", "getxattrat"},
    {"listxattr", "llistxattr", "listxattrat"},
    {"removexattr", "lremovexattr", "removexattrat"},
    {"setxattr", "lsetxattr", "setxattrat"},
};

std::vector<std::string> list_names(Abi abi) {
  std::vector<std::string> out;
  for (const KnownSyscall& k : known_syscalls(abi)) out.push_back(k.name);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::size_t abi_slot(Abi abi) {
  return static_cast<std::size_t>(std::find(kAllAbis.begin(), kAllAbis.end(), abi) -
                                  kAllAbis.begin());
}

using K = ArgKind;
constexpr PathArgSpec kNoPath{-1, -1, PathUse::read, -1};
constexpr PathArgSpec P(int path, int dirfd, PathUse use, int flags = -1) {
  return PathArgSpec{static_cast<std::int8_t>(path), static_cast<std::int8_t>(dirfd), use,
                     static_cast<std::int8_t>(flags)};
}
constexpr SyscallSig S(std::string_view name, std::array<ArgKind, 6> args) {
  return SyscallSig{name, args, {kNoPath, kNoPath}, 0};
}
constexpr SyscallSig S(std::string_view name, std::array<ArgKind, 6> args, PathArgSpec p0) {
  return SyscallSig{name, args, {p0, kNoPath}, 1};
}
constexpr SyscallSig S(std::string_view name, std::array<ArgKind, 6> args, PathArgSpec p0,
                       PathArgSpec p1) {
  return SyscallSig{name, args, {p0, p1}, 2};
}
constexpr auto N = K::none;
using U = PathUse;

// Calls that take paths (every name on any ABI we trace), then a few common ones for decoding.
// Kept sorted by name; a unit test checks order and that every name exists on some ABI.
constexpr SyscallSig kSigs[] = {
    S("accept", {K::fd, K::hex, K::hex, N, N, N}),
    S("accept4", {K::fd, K::hex, K::hex, K::sock_type, N, N}),
    S("access", {K::path, K::num, N, N, N, N}, P(0, -1, U::read)),
    S("acct", {K::path, N, N, N, N, N}, P(0, -1, U::write)),
    S("bind", {K::fd, K::sockaddr, K::num, N, N, N}),
    S("chdir", {K::path, N, N, N, N, N}, P(0, -1, U::read)),
    S("chmod", {K::path, K::mode, N, N, N, N}, P(0, -1, U::write)),
    S("chown", {K::path, K::num, K::num, N, N, N}, P(0, -1, U::write)),
    S("chown32", {K::path, K::num, K::num, N, N, N}, P(0, -1, U::write)),
    S("chroot", {K::path, N, N, N, N, N}, P(0, -1, U::read)),
    S("clone", {K::clone_flags, K::hex, K::hex, K::hex, K::hex, N}),
    S("close", {K::fd, N, N, N, N, N}),
    S("connect", {K::fd, K::sockaddr, K::num, N, N, N}),
    S("creat", {K::path, K::mode, N, N, N, N}, P(0, -1, U::create)),
    S("dup", {K::fd, N, N, N, N, N}),
    S("dup2", {K::fd, K::fd, N, N, N, N}),
    S("dup3", {K::fd, K::fd, K::open_flags, N, N, N}),
    S("execve", {K::path, K::hex, K::hex, N, N, N}, P(0, -1, U::exec)),
    S("execveat", {K::dirfd, K::path, K::hex, K::hex, K::at_flags, N}, P(1, 0, U::exec)),
    S("faccessat", {K::dirfd, K::path, K::num, N, N, N}, P(1, 0, U::read)),
    S("faccessat2", {K::dirfd, K::path, K::num, K::at_flags, N, N}, P(1, 0, U::read)),
    S("fchmodat", {K::dirfd, K::path, K::mode, N, N, N}, P(1, 0, U::write)),
    S("fchmodat2", {K::dirfd, K::path, K::mode, K::at_flags, N, N}, P(1, 0, U::write)),
    S("fchownat", {K::dirfd, K::path, K::num, K::num, K::at_flags, N}, P(1, 0, U::write)),
    S("fcntl", {K::fd, K::num, K::hex, N, N, N}),
    S("file_getattr", {K::dirfd, K::path, K::hex, K::num, K::at_flags, N}, P(1, 0, U::read)),
    S("file_setattr", {K::dirfd, K::path, K::hex, K::num, K::at_flags, N}, P(1, 0, U::write)),
    S("fork", {N, N, N, N, N, N}),
    S("fstatat64", {K::dirfd, K::path, K::hex, K::at_flags, N, N}, P(1, 0, U::read)),
    S("futimesat", {K::dirfd, K::path, K::hex, N, N, N}, P(1, 0, U::write)),
    S("getegid", {N, N, N, N, N, N}),
    S("geteuid", {N, N, N, N, N, N}),
    S("getgid", {N, N, N, N, N, N}),
    S("getpgrp", {N, N, N, N, N, N}),
    S("getpid", {N, N, N, N, N, N}),
    S("getppid", {N, N, N, N, N, N}),
    S("gettid", {N, N, N, N, N, N}),
    S("getuid", {N, N, N, N, N, N}),
    S("getxattr", {K::path, K::str, K::hex, K::num, N, N}, P(0, -1, U::read)),
    S("getxattrat", {K::dirfd, K::path, K::at_flags, K::str, K::hex, K::num}, P(1, 0, U::read)),
    S("inotify_add_watch", {K::fd, K::path, K::hex, N, N, N}, P(1, -1, U::read)),
    S("inotify_init", {N, N, N, N, N, N}),
    S("ioctl", {K::fd, K::hex, K::hex, N, N, N}),
    S("kill", {K::pid, K::signal, N, N, N, N}),
    S("lchown", {K::path, K::num, K::num, N, N, N}, P(0, -1, U::write)),
    S("lchown32", {K::path, K::num, K::num, N, N, N}, P(0, -1, U::write)),
    S("lgetxattr", {K::path, K::str, K::hex, K::num, N, N}, P(0, -1, U::read)),
    S("link", {K::path, K::path, N, N, N, N}, P(0, -1, U::read), P(1, -1, U::create)),
    S("linkat", {K::dirfd, K::path, K::dirfd, K::path, K::at_flags, N}, P(1, 0, U::read),
      P(3, 2, U::create)),
    S("listen", {K::fd, K::num, N, N, N, N}),
    S("listmount", {K::hex, K::hex, K::num, K::hex, N, N}),
    S("listns", {K::hex, K::hex, K::num, K::hex, N, N}),
    S("listxattr", {K::path, K::hex, K::num, N, N, N}, P(0, -1, U::read)),
    S("listxattrat", {K::dirfd, K::path, K::at_flags, K::hex, K::num, N}, P(1, 0, U::read)),
    S("llistxattr", {K::path, K::hex, K::num, N, N, N}, P(0, -1, U::read)),
    S("lremovexattr", {K::path, K::str, N, N, N, N}, P(0, -1, U::write)),
    S("lsetxattr", {K::path, K::str, K::hex, K::num, K::num, N}, P(0, -1, U::write)),
    S("lsm_get_self_attr", {K::num, K::hex, K::hex, K::hex, N, N}),
    S("lsm_list_modules", {K::hex, K::hex, K::hex, N, N, N}),
    S("lsm_set_self_attr", {K::num, K::hex, K::num, K::hex, N, N}),
    S("lstat", {K::path, K::hex, N, N, N, N}, P(0, -1, U::read)),
    S("lstat64", {K::path, K::hex, N, N, N, N}, P(0, -1, U::read)),
    S("mkdir", {K::path, K::mode, N, N, N, N}, P(0, -1, U::create)),
    S("mkdirat", {K::dirfd, K::path, K::mode, N, N, N}, P(1, 0, U::create)),
    S("mknod", {K::path, K::mode, K::hex, N, N, N}, P(0, -1, U::create)),
    S("mknodat", {K::dirfd, K::path, K::mode, K::hex, N, N}, P(1, 0, U::create)),
    S("mmap", {K::hex, K::num, K::prot, K::map_flags, K::fd, K::hex}),
    S("mount", {K::path, K::path, K::str, K::hex, K::hex, N}, P(0, -1, U::read),
      P(1, -1, U::write)),
    S("mprotect", {K::hex, K::num, K::prot, N, N, N}),
    S("mseal", {K::hex, K::num, K::hex, N, N, N}),
    S("munlockall", {N, N, N, N, N, N}),
    // A handle for the file it looks up, which open_by_handle_at opens by no path.
    S("name_to_handle_at", {K::dirfd, K::path, K::hex, K::hex, K::at_flags, N}, P(1, 0, U::read)),
    S("newfstatat", {K::dirfd, K::path, K::hex, K::at_flags, N, N}, P(1, 0, U::read)),
    S("oldlstat", {K::path, K::hex, N, N, N, N}, P(0, -1, U::read)),
    S("oldstat", {K::path, K::hex, N, N, N, N}, P(0, -1, U::read)),
    S("open", {K::path, K::open_flags, K::mode, N, N, N}, P(0, -1, U::open, 1)),
    S("open_tree", {K::dirfd, K::path, K::hex, N, N, N}, P(1, 0, U::read)),
    S("open_tree_attr", {K::dirfd, K::path, K::hex, K::hex, K::num, N}, P(1, 0, U::read)),
    S("openat", {K::dirfd, K::path, K::open_flags, K::mode, N, N}, P(1, 0, U::open, 2)),
    // openat2's flags live in a struct in memory; the tracer reads them into args[2].
    S("openat2", {K::dirfd, K::path, K::hex, K::num, N, N}, P(1, 0, U::open, 2)),
    S("pause", {N, N, N, N, N, N}),
    S("pidfd_getfd", {K::fd, K::num, K::num, N, N, N}),
    S("pidfd_open", {K::pid, K::num, N, N, N, N}),
    S("pidfd_send_signal", {K::fd, K::signal, K::hex, K::num, N, N}),
    S("pivot_root", {K::path, K::path, N, N, N, N}, P(0, -1, U::write), P(1, -1, U::write)),
    S("pread64", {K::fd, K::hex, K::num, K::num, N, N}),
    S("process_vm_readv", {K::pid, K::hex, K::num, K::hex, K::num, K::num}),
    S("process_vm_writev", {K::pid, K::hex, K::num, K::hex, K::num, K::num}),
    S("ptrace", {K::num, K::pid, K::hex, K::hex, N, N}),
    S("pwrite64", {K::fd, K::hex, K::num, K::num, N, N}),
    S("read", {K::fd, K::hex, K::num, N, N, N}),
    S("readlink", {K::path, K::hex, K::num, N, N, N}, P(0, -1, U::read)),
    S("readlinkat", {K::dirfd, K::path, K::hex, K::num, N, N}, P(1, 0, U::read)),
    S("recvfrom", {K::fd, K::hex, K::num, K::hex, K::hex, K::hex}),
    S("removexattr", {K::path, K::str, N, N, N, N}, P(0, -1, U::write)),
    S("removexattrat", {K::dirfd, K::path, K::at_flags, K::str, N, N}, P(1, 0, U::write)),
    S("rename", {K::path, K::path, N, N, N, N}, P(0, -1, U::create), P(1, -1, U::create)),
    S("renameat", {K::dirfd, K::path, K::dirfd, K::path, N, N}, P(1, 0, U::create),
      P(3, 2, U::create)),
    S("renameat2", {K::dirfd, K::path, K::dirfd, K::path, K::hex, N}, P(1, 0, U::create),
      P(3, 2, U::create)),
    S("rmdir", {K::path, N, N, N, N, N}, P(0, -1, U::create)),
    S("sched_yield", {N, N, N, N, N, N}),
    S("sendmsg", {K::fd, K::msghdr, K::num, N, N, N}),
    S("sendto", {K::fd, K::hex, K::num, K::hex, K::sockaddr, K::num}),
    S("setpgid", {K::pid, K::pid, N, N, N, N}),
    S("setsid", {N, N, N, N, N, N}),
    S("setxattr", {K::path, K::str, K::hex, K::num, K::num, N}, P(0, -1, U::write)),
    S("setxattrat", {K::dirfd, K::path, K::at_flags, K::str, K::hex, K::num}, P(1, 0, U::write)),
    S("socket", {K::af, K::sock_type, K::num, N, N, N}),
    S("stat", {K::path, K::hex, N, N, N, N}, P(0, -1, U::read)),
    S("stat64", {K::path, K::hex, N, N, N, N}, P(0, -1, U::read)),
    S("statfs", {K::path, K::hex, N, N, N, N}, P(0, -1, U::read)),
    S("statfs64", {K::path, K::num, K::hex, N, N, N}, P(0, -1, U::read)),
    S("statmount", {K::hex, K::hex, K::num, K::hex, N, N}),
    S("statx", {K::dirfd, K::path, K::at_flags, K::hex, K::hex, N}, P(1, 0, U::read)),
    S("swapoff", {K::path, N, N, N, N, N}, P(0, -1, U::write)),
    S("swapon", {K::path, K::hex, N, N, N, N}, P(0, -1, U::write)),
    S("symlink", {K::str, K::path, N, N, N, N}, P(1, -1, U::create)),
    S("symlinkat", {K::str, K::dirfd, K::path, N, N, N}, P(2, 1, U::create)),
    S("sync", {N, N, N, N, N, N}),
    S("tgkill", {K::pid, K::pid, K::signal, N, N, N}),
    S("tkill", {K::pid, K::signal, N, N, N, N}),
    S("truncate", {K::path, K::num, N, N, N, N}, P(0, -1, U::write)),
    S("truncate64", {K::path, K::num, N, N, N, N}, P(0, -1, U::write)),
    S("umount2", {K::path, K::hex, N, N, N, N}, P(0, -1, U::write)),
    S("unlink", {K::path, N, N, N, N, N}, P(0, -1, U::create)),
    S("unlinkat", {K::dirfd, K::path, K::at_flags, N, N, N}, P(1, 0, U::create)),
    S("uprobe", {N, N, N, N, N, N}),
    S("uretprobe", {N, N, N, N, N, N}),
    S("uselib", {K::path, N, N, N, N, N}, P(0, -1, U::exec)),
    S("utime", {K::path, K::hex, N, N, N, N}, P(0, -1, U::write)),
    S("utimensat", {K::dirfd, K::path, K::hex, K::at_flags, N, N}, P(1, 0, U::write)),
    S("utimes", {K::path, K::hex, N, N, N, N}, P(0, -1, U::write)),
    S("vfork", {N, N, N, N, N, N}),
    S("vhangup", {N, N, N, N, N, N}),
    S("write", {K::fd, K::hex, K::num, N, N, N}),
};

}  // namespace

std::optional<std::int64_t> SupplementSyscall::nr(Abi abi) const {
  const std::int64_t n = abi == Abi::x86_64 ? x86_64 : abi == Abi::i386 ? i386 : x32;
  if (n < 0) return std::nullopt;
  return n;
}

std::span<const SupplementSyscall> syscall_supplement() { return kSupplement; }

std::string_view syscall_tables_release() { return kSupplementRelease; }

std::string libseccomp_version() {
  const scmp_version* v = seccomp_version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
         std::to_string(v->micro);
}

std::optional<std::int64_t> libseccomp_syscall_nr(Abi abi, std::string_view name) {
  const std::string n(name);
  const int nr = seccomp_syscall_resolve_name_arch(abi_scmp_arch(abi), n.c_str());
  // Negative numbers are libseccomp's pseudo-syscalls (socketcall sub-calls etc.), not real ones.
  if (nr == __NR_SCMP_ERROR || nr < 0) return std::nullopt;
  return nr;
}

bool libseccomp_knows_on_some_arch(std::string_view name) {
  // The architectures libseccomp 2.5 has tables for (the x86 ones are asked about elsewhere).
  static constexpr std::uint32_t kArches[] = {
      SCMP_ARCH_X86_64, SCMP_ARCH_X86,       SCMP_ARCH_X32,      SCMP_ARCH_ARM,
      SCMP_ARCH_AARCH64, SCMP_ARCH_MIPS,     SCMP_ARCH_MIPS64,   SCMP_ARCH_MIPS64N32,
      SCMP_ARCH_PPC,    SCMP_ARCH_PPC64,     SCMP_ARCH_PPC64LE,  SCMP_ARCH_S390,
      SCMP_ARCH_S390X,  SCMP_ARCH_PARISC,    SCMP_ARCH_PARISC64, SCMP_ARCH_RISCV64,
  };
  const std::string n(name);
  for (const std::uint32_t arch : kArches) {
    const int nr = seccomp_syscall_resolve_name_arch(arch, n.c_str());
    if (nr != __NR_SCMP_ERROR && nr >= 0) return true;
  }
  return false;
}

std::optional<std::string> libseccomp_syscall_name(Abi abi, std::int64_t nr) {
  if (nr < 0 || nr > 0x7fffffff) return std::nullopt;
  char* name = seccomp_syscall_resolve_num_arch(abi_scmp_arch(abi), static_cast<int>(nr));
  if (!name) return std::nullopt;
  std::string out(name);
  std::free(name);
  return out;
}

std::optional<std::int64_t> syscall_nr(Abi abi, std::string_view name) {
  if (const auto nr = libseccomp_syscall_nr(abi, name)) return nr;
  if (const SupplementSyscall* s = supplement_by_name(name)) return s->nr(abi);
  // libseccomp names i386's direct System V and socket calls (shmat 397, socket 359...) by
  // number but resolves the names to a pseudo-number for the ipc()/socketcall() multiplexer: a
  // rule or guard on `shmat` would never see the direct call. The table built from numbers has
  // them.
  for (const KnownSyscall& k : known_syscalls(abi))
    if (k.name == name) return k.nr;
  return std::nullopt;
}

std::string syscall_name(Abi abi, std::int64_t nr) {
  if (auto name = libseccomp_syscall_name(abi, nr)) return std::move(*name);
  for (const SupplementSyscall& s : kSupplement)
    if (s.nr(abi) == nr) return std::string(s.name);
  if (abi == Abi::x86_64 && nr == kXpledgeCallNr) return "xpledge";
  if (abi == Abi::x86_64 && nr == kXunveilCallNr) return "xunveil";
  return "syscall_" + std::to_string(nr);
}

bool syscall_known(Abi abi, std::int64_t nr) {
  const auto& known = known_syscalls(abi);
  const auto it = std::lower_bound(known.begin(), known.end(), nr,
                                   [](const KnownSyscall& k, std::int64_t n) { return k.nr < n; });
  return it != known.end() && it->nr == nr;
}

std::span<const std::string_view> path_family(std::string_view name) {
  for (const auto& family : kPathFamilies) {
    const auto end = std::find(std::begin(family), std::end(family), std::string_view{});
    if (std::find(std::begin(family), end, name) != end) return {std::begin(family), end};
  }
  return {};
}

std::vector<KnownSyscall> probe_known_syscalls(Abi abi) { return probe_numbers(abi); }

// Per ABI and lazily: a run whose policy allows only x86-64 never builds the others. A static
// build reads the table probed at build time from the libseccomp it has built in
// (syscall_probe.hpp).
const std::vector<KnownSyscall>& known_syscalls(Abi abi) {
  static std::once_flag once[kAllAbis.size()];
  static std::vector<KnownSyscall> table[kAllAbis.size()];
  const std::size_t i = abi_slot(abi);
#ifdef XPLEDGE_FROZEN_SYSCALLS
  std::call_once(once[i], [&] { table[i] = frozen_known_syscalls(abi); });
#else
  std::call_once(once[i], [&] { table[i] = probe_numbers(abi); });
#endif
  return table[i];
}

const std::vector<std::string>& syscall_names(Abi abi) {
  static std::once_flag once[kAllAbis.size()];
  static std::vector<std::string> names[kAllAbis.size()];
  const std::size_t i = abi_slot(abi);
  std::call_once(once[i], [&] { names[i] = list_names(abi); });
  return names[i];
}

const SyscallSig* syscall_sig(std::string_view name) {
  const auto it = std::lower_bound(std::begin(kSigs), std::end(kSigs), name,
                                   [](const SyscallSig& s, std::string_view n) { return s.name < n; });
  return it != std::end(kSigs) && it->name == name ? &*it : nullptr;
}

std::span<const SyscallSig> all_syscall_sigs() { return kSigs; }

const std::string& CallName::name() const {
  if (!name_) name_ = syscall_name(abi_, nr_);
  return *name_;
}

const SyscallSig* CallName::sig() const {
  if (!sig_) sig_ = syscall_sig(name());
  return *sig_;
}

}  // namespace xpledge
