#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "abi.hpp"
#include "syscalls.hpp"

using namespace xpledge;

TEST_CASE("names resolve per ABI, never across") {
  CHECK(syscall_nr(Abi::x86_64, "openat") == 257);
  CHECK(syscall_nr(Abi::i386, "open") == 5);
  CHECK(syscall_nr(Abi::i386, "openat") == 295);
  CHECK(syscall_nr(Abi::x32, "read") == static_cast<std::int64_t>(kX32SyscallBit));
  CHECK_FALSE(syscall_nr(Abi::x86_64, "mmap2"));
  CHECK(syscall_nr(Abi::i386, "mmap2"));
  CHECK_FALSE(syscall_nr(Abi::x86_64, "socketcall"));
  CHECK(syscall_name(Abi::x86_64, 59) == "execve");
  CHECK(syscall_name(Abi::i386, 11) == "execve");
  CHECK(syscall_name(Abi::x86_64, 10000) == "syscall_10000");
  CHECK(syscall_name(Abi::x86_64, -1) == "syscall_-1");
}

TEST_CASE("ABI from PTRACE_GET_SYSCALL_INFO's arch") {
  CHECK(abi_from_audit(0xc000003e, 257) == Abi::x86_64);
  CHECK(abi_from_audit(0xc000003e, kX32SyscallBit | 0) == Abi::x32);
  CHECK(abi_from_audit(0xc000003e, ~std::uint64_t{0}) == Abi::x86_64);  // nr -1 is not x32
  CHECK(abi_from_audit(0x40000003, 5) == Abi::i386);
  CHECK_FALSE(abi_from_audit(0xc00000b7, 5));  // aarch64: not ours
  CHECK(abi_from_name("i386") == Abi::i386);
  CHECK_FALSE(abi_from_name("arm"));
}

TEST_CASE("our signature table: sorted, known names, sane path specs") {
  const auto sigs = all_syscall_sigs();
  for (std::size_t i = 1; i < sigs.size(); ++i) CHECK(sigs[i - 1].name < sigs[i].name);
  for (const auto& s : sigs) {
    INFO(s.name);
    bool known = false;
    for (Abi a : kAllAbis) known = known || syscall_nr(a, s.name).has_value();
    CHECK(known);
    for (const auto& p : s.path_args()) {
      REQUIRE(p.path_arg >= 0);
      CHECK(s.args[static_cast<std::size_t>(p.path_arg)] == ArgKind::path);
      if (p.dirfd_arg >= 0) CHECK(s.args[static_cast<std::size_t>(p.dirfd_arg)] == ArgKind::dirfd);
      if (p.use == PathUse::open) CHECK(p.flags_arg >= 0);
    }
  }
  REQUIRE(syscall_sig("renameat2"));
  CHECK(syscall_sig("renameat2")->npaths == 2);
  CHECK(syscall_sig("getpid")->args[0] == ArgKind::none);  // known to take no arguments
  CHECK(syscall_sig("mbind") == nullptr);
}
