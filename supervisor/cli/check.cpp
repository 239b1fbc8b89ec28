#include "cli.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <iostream>

#include "kernel_probe.hpp"
#include "prefilter.hpp"
#include "syscalls.hpp"

namespace xpledge::cli {

namespace {

// Does the running kernel implement x86-64 calls just above the highest number this build
// names? Those would get ENOSYS under every policy without `unknown: allow` (issue 23). A cheap
// probe (one throw-away child per number, bad arguments); tests/probe tries every number.
std::string kernel_drift_note() {
  using xpledge::Abi;
  constexpr std::int64_t kX32Range = 512;  // 512..547 are x32-only: ENOSYS natively
  constexpr std::int64_t kSpan = 32;
  std::int64_t highest = 0;
  for (const auto& k : xpledge::known_syscalls(Abi::x86_64))
    if (k.nr < kX32Range) highest = std::max(highest, k.nr);
  const auto probe = xpledge::probe_unnamed_syscalls(Abi::x86_64, highest + 1, highest + kSpan);
  std::string out = fmt::format("\nkernel: tables named by libseccomp {} + the Linux {} supplement; ",
                                xpledge::libseccomp_version(), xpledge::syscall_tables_release());
  if (probe.hits.empty())
    return out + fmt::format("the running kernel implements no x86_64 call in {}..{} that they "
                             "do not name\n",
                             highest + 1, highest + kSpan);
  out += "the running kernel implements x86_64 calls this build does not name:";
  for (const auto& h : probe.hits) out += fmt::format(" {} ({})", h.nr, h.outcome);
  return out + "\n  they get ENOSYS unless the policy says `unknown: allow`; refresh the tables "
               "with scripts/gen-syscall-supplement (docs/SECURITY.md)\n";
}

}  // namespace

int do_check(const std::string& path) {
  const auto policy = load_policy(path);
  if (!policy) return kExitFailure;
  const xpledge::LandlockPlan plan = landlock_plan(*policy, true);
  std::cout << xpledge::describe_policy(*policy) << xpledge::describe_landlock_plan(plan)
            << xpledge::describe_prefilter_opens(*policy, &plan) << kernel_drift_note();
  return 0;
}

}  // namespace xpledge::cli
