#include "prefilter_key.hpp"

#include <fmt/format.h>

#include "syscalls.hpp"

namespace xpledge {

// Mirrors the policy calls of prefilter.cpp's abi_filter: allows_unconditionally and
// register_grants per (ABI, number), abi_allowed per ABI. The names come from the tables of the
// libseccomp linked now, so a filter built against other tables never matches.
std::string prefilter_key(const Policy& policy) {
  std::string key = "xpledge-prefilter-key 1\n";
  for (Abi abi : kAllAbis) {
    key += fmt::format("abi {} {}\n", abi_name(abi), policy.abi_allowed(abi) ? 1 : 0);
    if (!policy.abi_allowed(abi)) continue;
    for (const std::string& name : syscall_names(abi)) {
      const auto nr = syscall_nr(abi, name);
      if (!nr) continue;
      const bool all = policy.allows_unconditionally(abi, *nr);
      key += fmt::format("{} {} {}", name, *nr, all ? 'A' : '-');
      if (!all && abi == Abi::x86_64) {
        for (const auto& alt : policy.register_grants(abi, *nr)) {
          key += " |";
          for (const ArgTest& t : alt)
            key += fmt::format(" {}{}{:x}/{:x}{}", t.arg, t.at_most ? "<=" : "=", t.value, t.mask,
                               t.value_is_self ? "s" : "");
        }
      }
      key += '\n';
    }
  }
  return key;
}

std::uint64_t key_hash(std::string_view key) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : key) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace xpledge
