#include <doctest/doctest.h>

#include <csignal>
#include <cstring>
#include <string>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ptrace.h>
#include <sys/un.h>
#include <cstddef>
#include <map>
#include <sys/socket.h>

#include "decode.hpp"
#include "path_resolve.hpp"
#include "stop.hpp"

using namespace xpledge;

namespace {
// wait(2) status encodings, as the kernel builds them.
int exited(int code) { return (code & 0xff) << 8; }
int killed(int sig) { return sig & 0x7f; }
int stopped(int sig, int event = 0) { return (event << 16) | (sig << 8) | 0x7f; }
}  // namespace

TEST_CASE("classify: exits and deaths") {
  CHECK(classify_stop(exited(42), false).kind == StopKind::exited);
  CHECK(classify_stop(exited(42), false).exit_code == 42);
  CHECK(classify_stop(killed(SIGKILL), false).kind == StopKind::killed);
  CHECK(classify_stop(killed(SIGKILL), false).signal == SIGKILL);
}

TEST_CASE("classify: syscall stops and ptrace events") {
  CHECK(classify_stop(stopped(SIGTRAP | 0x80), false).kind == StopKind::syscall);
  CHECK(classify_stop(stopped(SIGTRAP, PTRACE_EVENT_SECCOMP), false).kind == StopKind::seccomp);
  CHECK(classify_stop(stopped(SIGTRAP, PTRACE_EVENT_FORK), false).kind == StopKind::fork);
  CHECK(classify_stop(stopped(SIGTRAP, PTRACE_EVENT_VFORK), false).kind == StopKind::vfork);
  CHECK(classify_stop(stopped(SIGTRAP, PTRACE_EVENT_CLONE), false).kind == StopKind::clone);
  CHECK(classify_stop(stopped(SIGTRAP, PTRACE_EVENT_EXEC), false).kind == StopKind::exec);
  CHECK(classify_stop(stopped(SIGTRAP, PTRACE_EVENT_VFORK_DONE), false).kind ==
        StopKind::other_event);
}

TEST_CASE("classify: PTRACE_EVENT_STOP means initial stop, group-stop or interrupt") {
  CHECK(classify_stop(stopped(SIGSTOP, PTRACE_EVENT_STOP), true).kind == StopKind::initial_stop);
  CHECK(classify_stop(stopped(SIGSTOP, PTRACE_EVENT_STOP), false).kind == StopKind::group_stop);
  CHECK(classify_stop(stopped(SIGTSTP, PTRACE_EVENT_STOP), false).kind == StopKind::group_stop);
  CHECK(classify_stop(stopped(SIGTRAP, PTRACE_EVENT_STOP), false).kind ==
        StopKind::interrupt_stop);
}

TEST_CASE("classify: other stops are signal deliveries to re-inject") {
  const Stop s = classify_stop(stopped(SIGUSR1), false);
  CHECK(s.kind == StopKind::signal_delivery);
  CHECK(s.signal == SIGUSR1);
  CHECK(classify_stop(stopped(SIGSTOP), false).kind == StopKind::signal_delivery);
  CHECK(classify_stop(stopped(SIGTRAP), false).kind == StopKind::signal_delivery);
}

TEST_CASE("decode: strace-like rendering") {
  Syscall c{Abi::x86_64, 257, {static_cast<std::uint64_t>(-100), 0x1000, 02000101, 0644, 0, 0}};
  const auto reader = [](std::uint64_t) { return StringRead{"/tmp/a\"b\n", 0}; };
  CHECK(decode_call(c, reader) ==
        "openat(AT_FDCWD, \"/tmp/a\\\"b\\n\", O_WRONLY|O_CREAT|O_CLOEXEC, 0644)");
  Syscall i386{Abi::i386, 5, {0x1000, 0, 0, 0, 0, 0}};
  CHECK(decode_call(i386, reader) == "[i386] open(\"/tmp/a\\\"b\\n\", O_RDONLY, 0)");
  Syscall unknown{Abi::x86_64, 999, {0x10, 0, 0, 0, 0, 0}};
  CHECK(decode_call(unknown, reader) == "syscall_999(0x10)");
  // Calls newer than libseccomp: named by the supplement, decoded by our signature table.
  Syscall mseal{Abi::x86_64, 462, {0x7f0000001000, 0x2000, 0, 0, 0, 0}};
  CHECK(decode_call(mseal, reader) == "mseal(0x7f0000001000, 8192, NULL)");
  Syscall setxattrat{Abi::x86_64, 463, {static_cast<std::uint64_t>(-100), 0x1000, 0x100, 0x2000,
                                        0x3000, 32}};
  CHECK(decode_call(setxattrat, reader) ==
        "setxattrat(AT_FDCWD, \"/tmp/a\\\"b\\n\", AT_SYMLINK_NOFOLLOW, \"/tmp/a\\\"b\\n\", 0x3000, 32)");
  Syscall xp{Abi::x86_64, 10000, {0x10, 0, 0, 0, 0, 0}};
  CHECK(decode_call(xp, reader) == "xpledge(\"/tmp/a\\\"b\\n\", NULL)");
  Syscall wr{Abi::x86_64, 1, {4, 0x1000, 6, 0, 0, 0}};
  CHECK(decode_call(wr, reader) == "write(4, 0x1000, 6)");
  const auto bad = [](std::uint64_t) { return StringRead{{}, 14}; };
  Syscall unl{Abi::x86_64, 263, {static_cast<std::uint64_t>(-100), 0xdead, 0, 0, 0, 0}};
  CHECK(decode_call(unl, bad) == "unlinkat(AT_FDCWD, 0xdead, 0)");
  CHECK(errno_name(117) == "EUCLEAN");
  CHECK(signal_name(SIGTERM) == "SIGTERM");
}

TEST_CASE("access from open flags") {
  CHECK(access_from_open_flags(0) == Access::read);
  CHECK(access_from_open_flags(01) == Access::write);
  CHECK(access_from_open_flags(02) == Access::write);
  CHECK(access_from_open_flags(01000) == Access::write);   // O_TRUNC
  CHECK(access_from_open_flags(0101) == Access::create);   // O_WRONLY|O_CREAT
  CHECK(access_from_open_flags(020200000) == Access::create);  // O_TMPFILE
  CHECK(access_from_open_flags(02000000) == Access::read);  // O_CLOEXEC alone
}

TEST_CASE("openat2 resolve flags from the struct bytes") {
  // struct open_how { u64 flags, mode, resolve; }, as the tracer read it from the tracee.
  std::string how(24, '\0');
  const std::uint64_t in_root = 0x10;  // RESOLVE_IN_ROOT
  std::memcpy(how.data() + 16, &in_root, sizeof in_root);
  CHECK(open_how_resolve(how) == in_root);
  CHECK(open_how_resolve(std::string(64, '\0')) == 0);  // a larger struct, resolve still at 16
  CHECK(open_how_resolve(how.substr(0, 16)) == 0);       // too short to hold it
  CHECK(open_how_resolve("") == 0);                      // not read: no struct
}

// Issue 20: struct sockaddr arguments decoded (family, address, port), not shown as pointers.
TEST_CASE("decode: sockaddr of connect, bind and sendto") {
  const auto as_bytes = [](const auto& sa) {
    return std::string(reinterpret_cast<const char*>(&sa), sizeof sa);
  };
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(8080);
  inet_pton(AF_INET, "10.1.2.3", &in.sin_addr);
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(53);
  inet_pton(AF_INET6, "2001:db8::1", &in6.sin6_addr);
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  std::strcpy(un.sun_path, "/run/x.sock");

  const auto a = decode_sockaddr(as_bytes(in));
  REQUIRE(a.has_value());
  CHECK(a->family == "AF_INET");
  CHECK(a->address == "10.1.2.3");
  CHECK(a->port == 8080);
  CHECK(sockaddr_text(*a) == "{AF_INET, 10.1.2.3:8080}");
  CHECK(sockaddr_text(decode_sockaddr(as_bytes(in6)).value()) == "{AF_INET6, [2001:db8::1]:53}");
  // A unix path up to the length the call gave; an abstract name shown with '@'.
  const std::string un_bytes = as_bytes(un).substr(0, offsetof(sockaddr_un, sun_path) + 11);
  CHECK(sockaddr_text(decode_sockaddr(un_bytes).value()) == "{AF_UNIX, \"/run/x.sock\"}");
  CHECK(decode_sockaddr(std::string("\x01\x00\x00" "abs", 6)).value().address == "@abs");
  // Too short for its family: nothing is made up.
  CHECK_FALSE(decode_sockaddr(as_bytes(in).substr(0, 8)).has_value());
  CHECK_FALSE(decode_sockaddr(std::string("\x02", 1)).has_value());

  // Through decode_call: the length is the next argument; unreadable memory is a pointer.
  const auto reader = [](std::uint64_t) { return StringRead{"", 0}; };
  const std::string mem = as_bytes(in);
  const BytesReader bytes = [&](std::uint64_t addr, void* buf, std::size_t len) {
    if (addr != 0x1000 || len > mem.size()) return false;
    std::memcpy(buf, mem.data(), len);
    return true;
  };
  Syscall conn{Abi::x86_64, 42, {3, 0x1000, sizeof in, 0, 0, 0}};
  CHECK(decode_call(conn, reader, bytes) == "connect(3, {AF_INET, 10.1.2.3:8080}, 16)");
  CHECK(call_sockaddr(conn, bytes).value().port == 8080);
  CHECK(decode_call(conn, reader) == "connect(3, 0x1000, 16)");
  Syscall sendto{Abi::x86_64, 44, {3, 0x2000, 5, 0, 0x1000, sizeof in}};
  CHECK(decode_call(sendto, reader, bytes) ==
        "sendto(3, 0x2000, 5, NULL, {AF_INET, 10.1.2.3:8080}, 16)");
  Syscall unreadable{Abi::x86_64, 49, {3, 0x3000, sizeof in, 0, 0, 0}};
  CHECK(decode_call(unreadable, reader, bytes) == "bind(3, 0x3000, 16)");
  CHECK_FALSE(call_sockaddr(unreadable, bytes).has_value());
  Syscall wr{Abi::x86_64, 1, {4, 0x1000, 6, 0, 0, 0}};
  CHECK_FALSE(call_sockaddr(wr, bytes).has_value());
}

// sendmsg's struct msghdr (x86-64 callers): the destination and the control messages it
// carries (SCM_RIGHTS passes descriptors: the recvfd/sendfd promises' business).
TEST_CASE("decode: sendmsg's msghdr, its name and control messages") {
  std::map<std::uint64_t, std::string> mem;  // address -> bytes there
  const BytesReader bytes = [&](std::uint64_t addr, void* buf, std::size_t len) {
    const auto it = mem.find(addr);
    if (it == mem.end() || len > it->second.size()) return false;
    std::memcpy(buf, it->second.data(), len);
    return true;
  };
  const auto as_bytes = [](const auto& v) {
    return std::string(reinterpret_cast<const char*>(&v), sizeof v);
  };
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(53);
  inet_pton(AF_INET, "192.0.2.1", &in.sin_addr);
  mem[0x2000] = as_bytes(in);
  // Two control messages: SCM_RIGHTS with 2 descriptors, then SCM_CREDENTIALS.
  std::string control(CMSG_SPACE(2 * sizeof(int)) + CMSG_SPACE(sizeof(ucred)), '\0');
  auto* h = reinterpret_cast<cmsghdr*>(control.data());
  h->cmsg_len = CMSG_LEN(2 * sizeof(int));
  h->cmsg_level = SOL_SOCKET;
  h->cmsg_type = SCM_RIGHTS;
  h = reinterpret_cast<cmsghdr*>(control.data() + CMSG_SPACE(2 * sizeof(int)));
  h->cmsg_len = CMSG_LEN(sizeof(ucred));
  h->cmsg_level = SOL_SOCKET;
  h->cmsg_type = SCM_CREDENTIALS;
  mem[0x3000] = control;
  msghdr m{};
  m.msg_name = reinterpret_cast<void*>(0x2000);
  m.msg_namelen = sizeof in;
  m.msg_iovlen = 2;
  m.msg_control = reinterpret_cast<void*>(0x3000);
  m.msg_controllen = control.size();
  mem[0x1000] = as_bytes(m);
  const auto reader = [](std::uint64_t) { return StringRead{"", 0}; };
  Syscall call{Abi::x86_64, 46, {5, 0x1000, 0, 0, 0, 0}};
  CHECK(decode_call(call, reader, bytes) ==
        "sendmsg(5, {msg_name={AF_INET, 192.0.2.1:53}, msg_iovlen=2, "
        "msg_control=[SCM_RIGHTS(2), SCM_CREDENTIALS]}, 0)");
  CHECK(call_sockaddr(call, bytes).value().address == "192.0.2.1");
  // No name, no control; unreadable control; no reader, another ABI: a pointer.
  msghdr plain{};
  plain.msg_iovlen = 1;
  mem[0x4000] = as_bytes(plain);
  CHECK(decode_call(Syscall{Abi::x86_64, 46, {3, 0x4000, 0, 0, 0, 0}}, reader, bytes) ==
        "sendmsg(3, {msg_name=NULL, msg_iovlen=1, msg_control=[]}, 0)");
  CHECK_FALSE(call_sockaddr(Syscall{Abi::x86_64, 46, {3, 0x4000, 0, 0, 0, 0}}, bytes));
  m.msg_control = reinterpret_cast<void*>(0x5000);
  mem[0x1000] = as_bytes(m);
  CHECK(decode_call(call, reader, bytes) ==
        "sendmsg(5, {msg_name={AF_INET, 192.0.2.1:53}, msg_iovlen=2, msg_control=0x5000}, 0)");
  CHECK(decode_call(call, reader) == "sendmsg(5, 0x1000, 0)");
  CHECK(decode_call(Syscall{Abi::i386, 370, {5, 0x1000, 0, 0, 0, 0}}, reader, bytes) ==
        "[i386] sendmsg(5, 0x1000, 0)");
}
