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
// The domain handles one filesystem right, LANDLOCK_ACCESS_FS_MAKE_BLOCK, with no rule granting
// it (Landlock before ABI 6 needs at least one handled right): creating block device nodes is
// refused inside the sandbox; nothing else about file access changes.
//
// Without Landlock, CAP_SYS_PTRACE is dropped from the child's capability sets (bounding,
// effective, permitted, inheritable, ambient) instead, so non-dumpability holds for root
// tracees too; other processes of the user and the signal routes above stay open (see
// docs/SECURITY.md).
#include <string>

namespace xpledge {

struct ConfinePlan {
  int landlock_abi = 0;        // 0: Landlock unavailable
  bool scope_signals = false;  // landlock_abi >= 6
  bool drop_ptrace_cap = false;  // fallback when there is no Landlock
};

// In the supervisor, before forking: what this kernel offers.
ConfinePlan probe_confinement();

// One line for -v / docs: what the plan does.
std::string describe(const ConfinePlan& plan);

// In the forked child, before exec: only raw system calls (async-signal-safe). Returns 0, or an
// errno value with `*step` naming the call that failed.
int apply_confinement(const ConfinePlan& plan, const char** step);

}  // namespace xpledge
