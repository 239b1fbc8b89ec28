#pragma once
// The syscall ABIs a tracee on an x86-64 host can use, and one call as the evaluator sees it.
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace xpledge {

enum class Abi : std::uint8_t { x86_64, i386, x32 };
inline constexpr std::array kAllAbis{Abi::x86_64, Abi::i386, Abi::x32};

// x32 numbers carry this bit; the kernel reports x32 calls with the x86-64 audit arch.
inline constexpr std::uint64_t kX32SyscallBit = 0x40000000;

std::string_view abi_name(Abi abi);
std::optional<Abi> abi_from_name(std::string_view name);
// libseccomp's arch token (SCMP_ARCH_*) for resolving names and building filters.
std::uint32_t abi_scmp_arch(Abi abi);
// From PTRACE_GET_SYSCALL_INFO's (arch, nr); nullopt for an arch we do not know.
std::optional<Abi> abi_from_audit(std::uint32_t audit_arch, std::uint64_t nr);

// One syscall: what a policy evaluates. Numbers are as the ABI numbers them (x32 keeps its bit);
// on i386 only the low 32 bits of each argument are meaningful and are stored zero-extended.
struct Syscall {
  Abi abi = Abi::x86_64;
  std::int64_t nr = -1;
  std::array<std::uint64_t, 6> args{};
};

}  // namespace xpledge
