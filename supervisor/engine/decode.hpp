#pragma once
// strace-like rendering of a call's arguments: paths as quoted strings, flag words by name.
// Pure but for the string reader it is given.
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <string>

#include "abi.hpp"
#include "syscalls.hpp"
#include "errno_names.hpp"  // errno_name, which the log and tests take from here
#include "tracee_mem.hpp"

namespace xpledge {

using StringReader = std::function<StringRead(std::uint64_t addr)>;
// Reads exactly `len` bytes at `addr` into `buf`; false if they cannot be read.
using BytesReader = std::function<bool(std::uint64_t addr, void* buf, std::size_t len)>;

// "openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC)"; `[i386] ` prefix for other ABIs.
// With `bytes`, struct arguments are decoded too (a sockaddr as {AF_INET, 10.0.0.1:53}); without
// it, or when they cannot be read, they are shown as pointers.
std::string decode_call(const Syscall& call, const StringReader& read,
                        const BytesReader& bytes = {});
// The same with the call's name and signature already looked up (once per stop: facts.hpp).
std::string decode_call(const Syscall& call, const std::string& name, const SyscallSig* sig,
                        const StringReader& read, const BytesReader& bytes = {});

// A socket address: family name, address (IP text, a unix path, "@name" for an abstract one)
// and port (IP families only; 0 otherwise).
struct SockAddr {
  std::string family;  // "AF_INET", or the number
  std::string address;
  unsigned port = 0;
  bool has_port = false;
};
// From the bytes of a struct sockaddr (as long as the call said). nullopt if too short. Pure.
std::optional<SockAddr> decode_sockaddr(std::string_view bytes);
// The sockaddr a call names (connect, bind, sendto), read through `bytes`; nullopt for other
// calls, a NULL pointer or unreadable memory.
std::optional<SockAddr> call_sockaddr(const Syscall& call, const BytesReader& bytes);
std::optional<SockAddr> call_sockaddr(const Syscall& call, const SyscallSig* sig,
                                      const BytesReader& bytes);
// "{AF_INET, 127.0.0.1:8080}", "{AF_UNIX, \"/run/x.sock\"}".
std::string sockaddr_text(const SockAddr& a);
// Appends `s` with '"', '\\', newline, tab and every byte outside printable ASCII escaped: as
// \xNN for our C-like call text, as \u00NN (and \r) for JSON.
enum class EscapeStyle { c, json };
void append_escaped(std::string& out, std::string_view s, EscapeStyle style);
std::string quote_string(std::string_view s, std::size_t max = 256);
std::string signal_name(int sig);  // "SIGTERM"
std::string open_flags_name(std::uint64_t flags);

}  // namespace xpledge
