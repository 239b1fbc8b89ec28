#include "prefilter.hpp"

#include <fmt/format.h>

#include <cstring>

#include "syscalls.hpp"

namespace xpledge {

namespace {

// One single-arch context with every unconditionally allowed call of that ABI, so numbers are
// always the ABI's own (libseccomp would otherwise translate by name across arches).
scmp_filter_ctx abi_filter(const Policy& policy, Abi abi, std::string& error, int& allowed) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRACE(0));
  if (!ctx) {
    error = "seccomp_init failed";
    return nullptr;
  }
  const std::uint32_t arch = abi_scmp_arch(abi);
  if (arch != seccomp_arch_native()) {
    if (int rc = seccomp_arch_add(ctx, arch); rc != 0 && rc != -EEXIST) {
      error = fmt::format("seccomp_arch_add({}): {}", abi_name(abi), std::strerror(-rc));
      seccomp_release(ctx);
      return nullptr;
    }
    seccomp_arch_remove(ctx, seccomp_arch_native());
  }
  // Unknown arches (none exist on x86-64 hosts) trace too: the supervisor denies them.
  seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRACE(0));
  if (!policy.abi_allowed(abi)) return ctx;  // every call of this ABI stops and is denied
  for (const std::string& name : syscall_names(abi)) {
    const auto nr = syscall_nr(abi, name);
    if (!nr || !policy.allows_unconditionally(abi, *nr)) continue;
    if (int rc = seccomp_rule_add_exact(ctx, SCMP_ACT_ALLOW, static_cast<int>(*nr), 0); rc != 0) {
      error = fmt::format("seccomp rule for {} {}: {}", abi_name(abi), name, std::strerror(-rc));
      seccomp_release(ctx);
      return nullptr;
    }
    ++allowed;
  }
  return ctx;
}

}  // namespace

FilterPtr build_prefilter(const Policy& policy, std::string& error, PrefilterStats* stats) {
  int allowed = 0;
  FilterPtr root(abi_filter(policy, Abi::x86_64, error, allowed));
  if (!root) return nullptr;
  for (Abi abi : {Abi::i386, Abi::x32}) {
    scmp_filter_ctx other = abi_filter(policy, abi, error, allowed);
    if (!other) return nullptr;
    if (int rc = seccomp_merge(static_cast<scmp_filter_ctx>(root.get()), other); rc != 0) {
      error = fmt::format("seccomp_merge({}): {}", abi_name(abi), std::strerror(-rc));
      seccomp_release(other);
      return nullptr;
    }
  }
  if (stats) stats->allowed = allowed;
  return root;
}

}  // namespace xpledge
