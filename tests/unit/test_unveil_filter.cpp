// The unveil filter (bpf/prefilter.hpp build_unveil_filter) in the classic-BPF interpreter: it
// is what decides which calls of an unveiled process reach the supervisor in seccomp mode, so
// every call that names a path must stop, on every ABI, and the rest must not.
#include <doctest/doctest.h>

#include <linux/audit.h>
#include <linux/seccomp.h>

#include <cstddef>
#include <string>

#include "abi.hpp"
#include "bpf_interp.hpp"
#include "prefilter.hpp"
#include "syscalls.hpp"
#include "unveil.hpp"

using namespace xpledge;

namespace {

std::uint32_t ret_for(const bpf::Filter& f, Abi abi, std::int64_t nr) {
  seccomp_data d{};
  d.nr = static_cast<int>(nr);
  // The arch the kernel reports: x32 calls are x86-64 ones with the x32 bit in the number.
  d.arch = abi == Abi::i386 ? AUDIT_ARCH_I386 : AUDIT_ARCH_X86_64;
  const auto r = f.run(d);
  REQUIRE(r);
  return r->ret;
}

bool names_a_path(Abi abi, std::int64_t nr) {
  const SyscallSig* sig = syscall_sig(syscall_name(abi, nr));
  return sig && !sig->path_args().empty();
}

}  // namespace

TEST_CASE("unveil filter: every path call of every ABI stops, plain calls run") {
  std::string error;
  const auto bytes = build_unveil_filter(error);
  REQUIRE_MESSAGE(error.empty(), error);
  const bpf::Filter f = bpf::Filter::from_bytes(bytes);
  REQUIRE_MESSAGE(f.rejected().empty(), f.rejected());
  int path_calls = 0;
  for (const Abi abi : kAllAbis) {
    for (const KnownSyscall& k : known_syscalls(abi)) {
      if (!names_a_path(abi, k.nr)) continue;
      ++path_calls;
      CHECK_MESSAGE(ret_for(f, abi, k.nr) == SECCOMP_RET_TRACE, abi_name(abi), " ", k.name);
    }
    for (const char* name : {"read", "write", "close", "getpid", "fstat", "mprotect"}) {
      const auto nr = syscall_nr(abi, name);
      if (!nr || libseccomp_syscall_nr(abi, name) != nr) continue;
      CHECK_MESSAGE(ret_for(f, abi, *nr) == SECCOMP_RET_ALLOW, abi_name(abi), " ", std::string(name));
    }
  }
  // Calls that reach files by no path stop too: unveil refuses them.
  for (const Abi abi : kAllAbis)
    for (std::string_view n : unveil_blind_syscalls()) {
      const auto nr = syscall_nr(abi, n);
      if (!nr) continue;
      CHECK_MESSAGE(ret_for(f, abi, *nr) == SECCOMP_RET_TRACE, abi_name(abi), " ", std::string(n));
    }
  // Calls whose sockaddr may name an AF_UNIX path stop; a send() (sendto with no address)
  // runs unseen on x86-64, so a connected socket's traffic pays nothing.
  for (const Abi abi : kAllAbis)
    for (const char* n : {"bind", "connect", "sendto", "sendmsg", "sendmmsg"}) {
      const auto nr = syscall_nr(abi, n);
      // x86-64's sendto with no address (all arguments 0 here) runs: checked below.
      if (!nr || (abi == Abi::x86_64 && std::string_view(n) == "sendto")) continue;
      CHECK_MESSAGE(ret_for(f, abi, *nr) == SECCOMP_RET_TRACE, abi_name(abi), " ", std::string(n));
    }
  const auto sendto = syscall_nr(Abi::x86_64, "sendto");
  REQUIRE(sendto);
  seccomp_data send{};
  send.nr = static_cast<int>(*sendto);
  send.arch = AUDIT_ARCH_X86_64;
  CHECK(f.run(send)->ret == SECCOMP_RET_ALLOW);
  send.args[4] = 0x7fff0000;  // an address: it stops
  CHECK(f.run(send)->ret == SECCOMP_RET_TRACE);
  send.args[4] = 1ULL << 32;  // the high half counts too
  CHECK(f.run(send)->ret == SECCOMP_RET_TRACE);
  for (const char* n : {"recvfrom", "accept4", "socket", "getsockname"}) {
    const auto nr = syscall_nr(Abi::x86_64, n);
    REQUIRE(nr);
    CHECK_MESSAGE(ret_for(f, Abi::x86_64, *nr) == SECCOMP_RET_ALLOW, n);
  }
  // open, openat, openat2, execve, stat... on three ABIs at least.
  CHECK(path_calls > 3 * 40);
  // A number no table names, and our own calls, stop (the supervisor answers them).
  CHECK(ret_for(f, Abi::x86_64, 10001) == SECCOMP_RET_TRACE);
  CHECK(ret_for(f, Abi::x86_64, 999) == SECCOMP_RET_TRACE);
}
