#include "abi.hpp"

#include <linux/audit.h>
#include <seccomp.h>

namespace xpledge {

std::string_view abi_name(Abi abi) {
  switch (abi) {
    case Abi::x86_64: return "x86_64";
    case Abi::i386: return "i386";
    case Abi::x32: return "x32";
  }
  return "?";
}

std::optional<Abi> abi_from_name(std::string_view name) {
  for (Abi a : kAllAbis)
    if (abi_name(a) == name) return a;
  if (name == "x86" || name == "ia32") return Abi::i386;
  return std::nullopt;
}

std::uint32_t abi_scmp_arch(Abi abi) {
  switch (abi) {
    case Abi::x86_64: return SCMP_ARCH_X86_64;
    case Abi::i386: return SCMP_ARCH_X86;
    case Abi::x32: return SCMP_ARCH_X32;
  }
  return SCMP_ARCH_NATIVE;
}

std::optional<Abi> abi_from_audit(std::uint32_t audit_arch, std::uint64_t nr) {
  if (audit_arch == AUDIT_ARCH_X86_64)
    return (nr & kX32SyscallBit) && nr != ~std::uint64_t{0} ? Abi::x32 : Abi::x86_64;
  if (audit_arch == AUDIT_ARCH_I386) return Abi::i386;
  return std::nullopt;
}

}  // namespace xpledge
