#pragma once
// Kernel-side confinement of the tracee, applied in the child before it executes CMD: what the
// kernel can refuse for us at no cost per call, so the supervisor does not have to see it.
//
// A Landlock domain (Linux 5.13+) puts every tracee in a domain the supervisor is outside of:
//  - ptrace access checks (PTRACE_ATTACH/SEIZE, /proc/PID/mem, /proc/PID/fd, process_vm_*,
//    pidfd_getfd, ...) from inside the domain fail for any process outside it, whatever
//    capabilities the tracee has. That protects the supervisor from a root tracee
//    (CAP_SYS_PTRACE overrides non-dumpability) and other processes of the user from every
//    tracee.
//  - with Landlock ABI 6 (Linux 6.12+), LANDLOCK_SCOPE_SIGNAL: a tracee cannot signal a process
//    outside the domain by any route (kill(0), kill(-1), kill(-pgid), pidfd_send_signal on a
//    /proc directory fd, F_SETOWN + O_ASYNC / F_SETSIG), the supervisor included.
// Without path rules, file access is not what the domain is for, and must not change (issue 16): a domain that
// handles any filesystem right refuses re-parenting (rename and link across directories: EXDEV)
// unless LANDLOCK_ACCESS_FS_REFER is handled and granted. So:
//  - ABI 6+ (Linux 6.12+): the ruleset handles no filesystem right, only the signal scope;
//  - ABI 2..5: it must handle some right (ENOMSG otherwise). It handles MAKE_BLOCK (creating
//    block device nodes is refused inside the sandbox) and REFER, which one rule on "/" grants
//    everywhere: renames and links work as natively;
//  - ABI 1 (Linux 5.13..5.18) has no REFER: re-parenting is always refused (EXDEV) there.
// With a path allow-list the kernel can hold (landlock_plan.hpp, issue 17), the domain also
// handles the rights the plan says (plan.path_rights, REFER among them) and grants them on the
// allowed trees; REFER is granted on "/" so renames and links inside the trees still work.
// The nested domains a narrowing xpledge() makes (tracer.cpp) are created by injected calls
// that cannot add a rule: on ABI 6+ they handle nothing either; before, they handle MAKE_BLOCK
// only, and re-parenting after a narrowing fails with EXDEV (docs/SECURITY.md).
//
// Without Landlock, CAP_SYS_PTRACE is dropped from the child's capability sets (bounding,
// effective, permitted, inheritable, ambient) instead, so non-dumpability holds for root
// tracees too; other processes of the user and the signal routes above stay open (see
// docs/SECURITY.md).
#include <cstddef>
#include <cstdint>
#include <string>

namespace xpledge {

struct ConfinePlan {
  int landlock_abi = 0;        // 0: Landlock unavailable
  bool scope_signals = false;  // landlock_abi >= 6
  bool drop_ptrace_cap = false;  // fallback when there is no Landlock
  // Filesystem rights the policy's path allow-list hands to the kernel (landlock_plan.hpp):
  // handled by the sandbox's own domain, granted by PathRules. 0: none, as described above.
  std::uint64_t path_rights = 0;
};

// One path_beneath rule of the path allow-list, its object opened (O_PATH) before fork.
struct PathRule {
  int fd = -1;
  std::uint64_t rights = 0;
};

// A Landlock ruleset attribute, as landlock_create_ruleset takes it: the fields, and the size
// to pass (the prefix this kernel knows: 8 bytes before ABI 4, 16 before ABI 6).
struct RulesetSpec {
  std::uint64_t handled_fs = 0;
  std::uint64_t handled_net = 0;
  std::uint64_t scoped = 0;
  std::size_t size = 0;
  // A path_beneath rule on "/" granting LANDLOCK_ACCESS_FS_REFER must be added (ABI 2..5).
  bool grant_refer_at_root = false;
};
// The sandbox's own domain (nested = false) or a narrowing's nested one (nested = true: no rule
// can be added). Pure: tested without a kernel.
RulesetSpec ruleset_spec(const ConfinePlan& plan, bool nested);

// In the supervisor, before forking: what this kernel offers.
ConfinePlan probe_confinement();

// One line for -v / docs: what the plan does.
std::string describe(const ConfinePlan& plan);

// In the forked child, before exec: only raw system calls (async-signal-safe). Returns 0, or an
// errno value with `*step` naming the call that failed. `rules`: plan.path_rights's grants.
int apply_confinement(const ConfinePlan& plan, const char** step, const PathRule* rules = nullptr,
                      std::size_t nrules = 0);

}  // namespace xpledge
