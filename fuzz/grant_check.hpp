#pragma once
// Shared by the fuzz targets: what a seccomp filter built from register alternatives lets run
// unseen must be what the evaluator allows, whatever path the call names. The calls each
// alternative admits are built to meet it (the input's argument bits where its tests leave them
// free, then every free bit set); an open's path access is its flags', as the tracer's
// access_of reads it. `allowed(ctx)` is the evaluator's answer; a mismatch traps.
#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "arg_test.hpp"
#include "policy.hpp"
#include "rule_eval.hpp"
#include "syscalls.hpp"

namespace xpledge::fuzz {

inline bool alternative_holds(const std::vector<ArgTest>& alt,
                              const std::array<std::uint64_t, 6>& a) {
  return std::all_of(alt.begin(), alt.end(), [&](const ArgTest& t) {
    const std::uint64_t v = a[t.arg % 6];
    return t.at_most ? v <= t.value : (v & t.mask) == t.value;
  });
}

template <typename Allowed>
void check_every_path(const CallContext& call, Allowed&& allowed) {
  const SyscallSig* sig = syscall_sig(syscall_name(call.call.abi, call.call.nr));
  const std::size_t n = sig ? sig->path_args().size() : 0;
  for (const char* p : {"/etc/passwd", "/srv/secret/x", "/dev/null", ""}) {
    for (Access access : {Access::read, Access::write, Access::create, Access::exec}) {
      PathArg one;
      one.path = p;
      one.access = access;
      one.err = *p ? 0 : 14;  // EFAULT: unreadable
      std::vector<PathArg> paths(n, one);
      for (std::size_t i = 0; i < n; ++i) {
        const PathArgSpec& spec = sig->path_args()[i];
        if (spec.use == PathUse::open && spec.flags_arg >= 0 &&
            sig->args[static_cast<std::size_t>(spec.flags_arg)] == ArgKind::open_flags)
          paths[i].access = open_access(call.call.args[static_cast<std::size_t>(spec.flags_arg)]);
      }
      CallContext ctx = call;
      ctx.paths = paths;
      if (!allowed(ctx)) __builtin_trap();
    }
  }
}

template <typename Allowed>
void check_register_grants(const ArgAlternatives& alts, const CallContext& call,
                           Allowed&& allowed) {
  for (const auto& alt : alts) {
    for (const std::uint64_t free_bits : {std::uint64_t{0}, ~std::uint64_t{0}}) {
      CallContext met = call;
      for (const ArgTest& t : alt) {
        std::uint64_t& a = met.call.args[t.arg % 6];
        a = t.at_most ? std::min(a, t.value) : t.value | ((a | free_bits) & ~t.mask);
      }
      if (alternative_holds(alt, met.call.args)) check_every_path(met, allowed);
    }
  }
}

}  // namespace xpledge::fuzz
