#include "decode.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/un.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <fmt/format.h>
#include <span>

#include "syscalls.hpp"

namespace xpledge {

namespace {

struct FlagName {
  std::uint64_t bit;
  const char* name;
};

std::string flags_to_string(std::uint64_t v, std::span<const FlagName> names) {
  std::string out;
  for (const auto& f : names) {
    if (f.bit && (v & f.bit) == f.bit) {
      if (!out.empty()) out += '|';
      out += f.name;
      v &= ~f.bit;
    }
  }
  if (v || out.empty()) {
    if (!out.empty()) out += '|';
    out += fmt::format("{:#x}", v);
  }
  return out;
}

constexpr FlagName kOpenFlags[] = {
    {O_WRONLY, "O_WRONLY"},     {O_RDWR, "O_RDWR"},           {O_CREAT, "O_CREAT"},
    {O_EXCL, "O_EXCL"},         {O_NOCTTY, "O_NOCTTY"},       {O_TRUNC, "O_TRUNC"},
    {O_APPEND, "O_APPEND"},     {O_NONBLOCK, "O_NONBLOCK"},   {O_DSYNC, "O_DSYNC"},
    {O_DIRECT, "O_DIRECT"},     {O_LARGEFILE, "O_LARGEFILE"}, {O_TMPFILE, "O_TMPFILE"},
    {O_DIRECTORY, "O_DIRECTORY"}, {O_NOFOLLOW, "O_NOFOLLOW"}, {O_NOATIME, "O_NOATIME"},
    {O_CLOEXEC, "O_CLOEXEC"},   {O_PATH, "O_PATH"},           {O_SYNC & ~O_DSYNC, "O_SYNC"},
};
constexpr FlagName kAtFlags[] = {
    {AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"}, {AT_REMOVEDIR, "AT_REMOVEDIR"},
    {AT_SYMLINK_FOLLOW, "AT_SYMLINK_FOLLOW"},     {AT_NO_AUTOMOUNT, "AT_NO_AUTOMOUNT"},
    {AT_EMPTY_PATH, "AT_EMPTY_PATH"},             {AT_EACCESS, "AT_EACCESS"},
};
constexpr FlagName kCloneFlags[] = {
    {CLONE_VM, "CLONE_VM"},             {CLONE_FS, "CLONE_FS"},
    {CLONE_FILES, "CLONE_FILES"},       {CLONE_SIGHAND, "CLONE_SIGHAND"},
    {CLONE_PIDFD, "CLONE_PIDFD"},       {CLONE_PTRACE, "CLONE_PTRACE"},
    {CLONE_VFORK, "CLONE_VFORK"},       {CLONE_PARENT, "CLONE_PARENT"},
    {CLONE_THREAD, "CLONE_THREAD"},     {CLONE_NEWNS, "CLONE_NEWNS"},
    {CLONE_SYSVSEM, "CLONE_SYSVSEM"},   {CLONE_SETTLS, "CLONE_SETTLS"},
    {CLONE_PARENT_SETTID, "CLONE_PARENT_SETTID"}, {CLONE_CHILD_CLEARTID, "CLONE_CHILD_CLEARTID"},
    {CLONE_UNTRACED, "CLONE_UNTRACED"}, {CLONE_CHILD_SETTID, "CLONE_CHILD_SETTID"},
    {CLONE_NEWCGROUP, "CLONE_NEWCGROUP"}, {CLONE_NEWUTS, "CLONE_NEWUTS"},
    {CLONE_NEWIPC, "CLONE_NEWIPC"},     {CLONE_NEWUSER, "CLONE_NEWUSER"},
    {CLONE_NEWPID, "CLONE_NEWPID"},     {CLONE_NEWNET, "CLONE_NEWNET"},
    {CLONE_IO, "CLONE_IO"},
};
constexpr FlagName kProt[] = {
    {PROT_READ, "PROT_READ"}, {PROT_WRITE, "PROT_WRITE"}, {PROT_EXEC, "PROT_EXEC"}};
constexpr FlagName kMapFlags[] = {
    {MAP_SHARED, "MAP_SHARED"},       {MAP_PRIVATE, "MAP_PRIVATE"},
    {MAP_FIXED, "MAP_FIXED"},         {MAP_ANONYMOUS, "MAP_ANONYMOUS"},
    {MAP_NORESERVE, "MAP_NORESERVE"}, {MAP_STACK, "MAP_STACK"},
    {MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE"},
};
constexpr FlagName kSockType[] = {{SOCK_NONBLOCK, "SOCK_NONBLOCK"}, {SOCK_CLOEXEC, "SOCK_CLOEXEC"}};

std::string af_name(std::uint64_t v) {
  switch (v) {
    case AF_UNSPEC: return "AF_UNSPEC";
    case AF_UNIX: return "AF_UNIX";
    case AF_INET: return "AF_INET";
    case AF_INET6: return "AF_INET6";
    case AF_NETLINK: return "AF_NETLINK";
    case AF_PACKET: return "AF_PACKET";
    case AF_VSOCK: return "AF_VSOCK";
    default: return std::to_string(v);
  }
}

// The largest sockaddr read from a tracee (sockaddr_storage); a longer addrlen is cut.
constexpr std::size_t kMaxSockaddrBytes = sizeof(sockaddr_storage);

std::string sockaddr_arg(std::uint64_t addr, std::uint64_t len, const BytesReader& bytes) {
  if (addr == 0) return "NULL";
  if (bytes && len > 0) {
    std::string buf(std::min<std::uint64_t>(len, kMaxSockaddrBytes), '\0');
    if (bytes(addr, buf.data(), buf.size()))
      if (const auto a = decode_sockaddr(buf)) return sockaddr_text(*a);
  }
  return fmt::format("{:#x}", addr);
}

std::string sock_type_name(std::uint64_t v) {
  std::string base;
  switch (v & 0xf) {
    case SOCK_STREAM: base = "SOCK_STREAM"; break;
    case SOCK_DGRAM: base = "SOCK_DGRAM"; break;
    case SOCK_RAW: base = "SOCK_RAW"; break;
    case SOCK_SEQPACKET: base = "SOCK_SEQPACKET"; break;
    default: base = std::to_string(v & 0xf);
  }
  if (v & ~std::uint64_t{0xf}) base += "|" + flags_to_string(v & ~std::uint64_t{0xf}, kSockType);
  return base;
}

std::string dirfd_name(std::uint64_t v) {
  const auto fd = static_cast<std::int32_t>(v);  // the kernel takes an int, whatever the ABI
  if (fd == AT_FDCWD) return "AT_FDCWD";
  return std::to_string(fd);
}

std::string arg_to_string(ArgKind kind, std::uint64_t v, Abi abi, const StringReader& read) {
  const bool i386 = abi == Abi::i386;
  const auto sv = i386 ? static_cast<std::int64_t>(static_cast<std::int32_t>(v))
                       : static_cast<std::int64_t>(v);
  switch (kind) {
    case ArgKind::num: return std::to_string(sv);
    case ArgKind::fd:
    case ArgKind::pid: return std::to_string(static_cast<std::int32_t>(v));
    case ArgKind::dirfd: return dirfd_name(v);
    case ArgKind::path:
    case ArgKind::str: {
      if (v == 0) return "NULL";
      const StringRead s = read(v);
      if (s.err) return fmt::format("{:#x}", v);
      return quote_string(s.value);
    }
    case ArgKind::open_flags: {
      // Mode 3 needs read and write permission (ioctl-only opens): strace's O_ACCMODE, never
      // the O_RDONLY a record once showed for it.
      const std::string acc = (v & O_ACCMODE) == O_WRONLY  ? "O_WRONLY"
                              : (v & O_ACCMODE) == O_RDWR  ? "O_RDWR"
                              : (v & O_ACCMODE) == O_ACCMODE ? "O_ACCMODE"
                                                             : "O_RDONLY";
      const std::uint64_t rest = v & ~std::uint64_t{O_ACCMODE};
      return rest ? acc + "|" + flags_to_string(rest, kOpenFlags) : acc;
    }
    case ArgKind::mode: return fmt::format("{:#o}", v);
    case ArgKind::at_flags: return v ? flags_to_string(v, kAtFlags) : "0";
    case ArgKind::signal: return signal_name(static_cast<int>(sv));
    case ArgKind::clone_flags: {
      const std::uint64_t sig = v & 0xff;
      std::string out = (v & ~std::uint64_t{0xff}) ? flags_to_string(v & ~std::uint64_t{0xff}, kCloneFlags) : "";
      if (sig) out += (out.empty() ? "" : "|") + signal_name(static_cast<int>(sig));
      return out.empty() ? "0" : out;
    }
    case ArgKind::prot: return v ? flags_to_string(v, kProt) : "PROT_NONE";
    case ArgKind::map_flags: return flags_to_string(v, kMapFlags);
    case ArgKind::af: return af_name(v);
    case ArgKind::sock_type: return sock_type_name(v);
    case ArgKind::sockaddr:  // decoded by decode_call, which knows the length and the ABI
    case ArgKind::msghdr:
    case ArgKind::hex:
    case ArgKind::none: break;
  }
  return v == 0 ? "NULL" : fmt::format("{:#x}", v);
}

// The control messages a sendmsg carries, read from at most this many bytes of msg_control.
constexpr std::size_t kMaxControlBytes = 512;

// The struct msghdr of an x86-64 caller. i386 and x32 lay it out with 32-bit pointers: those
// are shown as a pointer (nullopt here).
std::optional<msghdr> read_msghdr(const Syscall& call, std::uint64_t addr, const BytesReader& bytes) {
  msghdr m{};
  if (call.abi != Abi::x86_64 || !bytes || addr == 0 || !bytes(addr, &m, sizeof m))
    return std::nullopt;
  return m;
}

std::uint64_t address_of(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

// "[SCM_RIGHTS(2), SCM_CREDENTIALS]": each cmsghdr in the first kMaxControlBytes, walked as
// CMSG_NXTHDR does (lengths 8-aligned), stopping at anything malformed.
std::string control_text(const msghdr& m, const BytesReader& bytes) {
  if (!m.msg_control || m.msg_controllen == 0) return "[]";
  std::string buf(std::min<std::size_t>(m.msg_controllen, kMaxControlBytes), '\0');
  if (!bytes(address_of(m.msg_control), buf.data(), buf.size()))
    return fmt::format("{:#x}", address_of(m.msg_control));
  std::string out;
  std::size_t at = 0;
  while (at + sizeof(cmsghdr) <= buf.size()) {
    cmsghdr h{};
    std::memcpy(&h, buf.data() + at, sizeof h);
    if (h.cmsg_len < sizeof h) break;
    out += out.empty() ? "" : ", ";
    if (h.cmsg_level == SOL_SOCKET && h.cmsg_type == SCM_RIGHTS)
      out += fmt::format("SCM_RIGHTS({})", (h.cmsg_len - CMSG_LEN(0)) / sizeof(int));
    else if (h.cmsg_level == SOL_SOCKET && h.cmsg_type == SCM_CREDENTIALS)
      out += "SCM_CREDENTIALS";
    else
      out += fmt::format("{{level={}, type={}}}", h.cmsg_level, h.cmsg_type);
    at += CMSG_ALIGN(h.cmsg_len);
  }
  if (m.msg_controllen > buf.size()) out += ", ...";
  return "[" + out + "]";
}

std::optional<SockAddr> msghdr_sockaddr(const msghdr& m, const BytesReader& bytes) {
  if (!m.msg_name || m.msg_namelen == 0) return std::nullopt;
  std::string buf(std::min<std::size_t>(m.msg_namelen, kMaxSockaddrBytes), '\0');
  if (!bytes(address_of(m.msg_name), buf.data(), buf.size())) return std::nullopt;
  return decode_sockaddr(buf);
}

std::string msghdr_arg(const Syscall& call, std::uint64_t addr, const BytesReader& bytes) {
  if (addr == 0) return "NULL";
  const auto m = read_msghdr(call, addr, bytes);
  if (!m) return fmt::format("{:#x}", addr);
  std::string name = "NULL";
  if (m->msg_name) {
    const auto a = msghdr_sockaddr(*m, bytes);
    name = a ? sockaddr_text(*a) : fmt::format("{:#x}", address_of(m->msg_name));
  }
  return fmt::format("{{msg_name={}, msg_iovlen={}, msg_control={}}}", name, m->msg_iovlen,
                     control_text(*m, bytes));
}

// The address and port of an IP sockaddr (`Sa`: sockaddr_in or sockaddr_in6); false if the
// bytes are too short for one.
template <typename Sa, typename Addr>
bool inet_address(std::string_view b, int family, Addr Sa::*addr, in_port_t Sa::*port,
                  SockAddr& out) {
  Sa sa{};
  if (b.size() < sizeof sa) return false;
  std::memcpy(&sa, b.data(), sizeof sa);
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, &(sa.*addr), text, sizeof text);
  out.address = text;
  out.port = ntohs(sa.*port);
  out.has_port = true;
  return true;
}

}  // namespace

void append_escaped(std::string& out, std::string_view s, EscapeStyle style) {
  const bool json = style == EscapeStyle::json;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c == '\r' && json) out += "\\r";
        // Tracee bytes are not UTF-8 by contract: in JSON every byte >= 0x80 becomes \u00XX, so
        // the line is always valid JSON and the original bytes can be recovered.
        else if (c >= 0x20 && c < 0x7f) out += ch;
        else out += json ? fmt::format("\\u{:04x}", c) : fmt::format("\\x{:02x}", c);
    }
  }
}

std::string quote_string(std::string_view s, std::size_t max) {
  std::string out = "\"";
  append_escaped(out, s.substr(0, max), EscapeStyle::c);
  out += '"';
  if (s.size() > max) out += "...";
  return out;
}

std::string signal_name(int sig) {
  if (const char* n = sigabbrev_np(sig)) return std::string("SIG") + n;
  return std::to_string(sig);
}

std::string open_flags_name(std::uint64_t flags) {
  return arg_to_string(ArgKind::open_flags, flags, Abi::x86_64, {});
}

std::optional<SockAddr> decode_sockaddr(std::string_view b) {
  sa_family_t family = 0;
  if (b.size() < sizeof family) return std::nullopt;
  std::memcpy(&family, b.data(), sizeof family);
  SockAddr out;
  out.family = af_name(family);
  if (family == AF_INET) {
    if (!inet_address(b, AF_INET, &sockaddr_in::sin_addr, &sockaddr_in::sin_port, out))
      return std::nullopt;
  } else if (family == AF_INET6) {
    if (!inet_address(b, AF_INET6, &sockaddr_in6::sin6_addr, &sockaddr_in6::sin6_port, out))
      return std::nullopt;
  } else if (family == AF_UNIX) {
    // sun_path up to the length given: a NUL first means an abstract name (shown as @name).
    std::string_view path = b.substr(offsetof(sockaddr_un, sun_path));
    if (!path.empty() && path.front() == '\0') {
      out.address = "@" + std::string(path.substr(1));
    } else {
      path = path.substr(0, path.find('\0'));
      out.address = std::string(path);
    }
  }
  return out;
}

std::string sockaddr_text(const SockAddr& a) {
  if (a.has_port)
    return a.family == "AF_INET6" ? fmt::format("{{{}, [{}]:{}}}", a.family, a.address, a.port)
                                  : fmt::format("{{{}, {}:{}}}", a.family, a.address, a.port);
  if (a.family == "AF_UNIX") return fmt::format("{{{}, {}}}", a.family, quote_string(a.address));
  return fmt::format("{{{}}}", a.family);
}

std::optional<SockAddr> call_sockaddr(const Syscall& call, const BytesReader& bytes) {
  return call_sockaddr(call, syscall_sig(syscall_name(call.abi, call.nr)), bytes);
}

std::optional<SockAddr> call_sockaddr(const Syscall& call, const SyscallSig* sig,
                                      const BytesReader& bytes) {
  if (!bytes || !sig) return std::nullopt;
  for (std::size_t i = 0; i + 1 < 6; ++i) {
    if (sig->args[i] == ArgKind::msghdr) {
      const auto m = read_msghdr(call, call.args[i], bytes);
      return m ? msghdr_sockaddr(*m, bytes) : std::nullopt;
    }
    if (sig->args[i] != ArgKind::sockaddr) continue;
    const std::uint64_t addr = call.args[i], len = call.args[i + 1];
    if (addr == 0 || len == 0) return std::nullopt;
    std::string buf(std::min<std::uint64_t>(len, kMaxSockaddrBytes), '\0');
    if (!bytes(addr, buf.data(), buf.size())) return std::nullopt;
    return decode_sockaddr(buf);
  }
  return std::nullopt;
}

std::string decode_call(const Syscall& call, const StringReader& read, const BytesReader& bytes) {
  const std::string name = syscall_name(call.abi, call.nr);
  return decode_call(call, name, syscall_sig(name), read, bytes);
}

std::string decode_call(const Syscall& call, const std::string& name, const SyscallSig* sig,
                        const StringReader& read, const BytesReader& bytes) {
  std::string out = call.abi == Abi::x86_64 ? "" : fmt::format("[{}] ", abi_name(call.abi));
  if (call.abi == Abi::x86_64 && (call.nr == kXpledgeCallNr || call.nr == kXunveilCallNr)) {
    // Ours (syscalls.hpp): two strings, the promises or the path and its permissions.
    return out + syscall_name(call.abi, call.nr) + "(" + arg_to_string(ArgKind::str, call.args[0], call.abi, read) + ", " +
           arg_to_string(ArgKind::str, call.args[1], call.abi, read) + ")";
  }
  out += name + "(";
  if (sig) {
    bool first = true;
    for (std::size_t i = 0; i < 6 && sig->args[i] != ArgKind::none; ++i) {
      if (!first) out += ", ";
      first = false;
      out += sig->args[i] == ArgKind::sockaddr && i + 1 < 6
                 ? sockaddr_arg(call.args[i], call.args[i + 1], bytes)
             : sig->args[i] == ArgKind::msghdr
                 ? msghdr_arg(call, call.args[i], bytes)
                 : arg_to_string(sig->args[i], call.args[i], call.abi, read);
    }
  } else {
    // Unknown signature: raw words up to the last non-zero one (we do not know the arity).
    std::size_t n = 6;
    while (n > 0 && call.args[n - 1] == 0) --n;
    for (std::size_t i = 0; i < n; ++i) {
      if (i) out += ", ";
      out += fmt::format("{:#x}", call.args[i]);
    }
  }
  return out + ")";
}

}  // namespace xpledge
