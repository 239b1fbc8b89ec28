#pragma once
// Spawns CMD under ptrace and supervises it and every process and thread it creates until the
// last one is gone. Never throws: tracee misbehaviour is logged and decided, not propagated.
#include <sys/types.h>

#include <span>
#include <string>
#include <vector>

#include "audit_log.hpp"
#include "observer.hpp"
#include "policy.hpp"

namespace xpledge {

struct LandlockPlan;

struct TracerOptions {
  const Policy* policy = nullptr;
  AuditLog* log = nullptr;
  bool use_seccomp = true;  // false: --no-seccomp, PTRACE_SYSCALL on every call
  // The pre-filter of `policy` under `landlock`, built ahead (builtin_prefilters.hpp, at build
  // time); empty: run builds it from both with libseccomp. Whoever sets it vouches that it is
  // theirs (prefilter_key.hpp).
  std::span<const unsigned char> prefilter;
  // --permissive: evaluate and log every refusal, refuse nothing (guards still hold: they
  // protect the supervisor itself).
  bool permissive = false;
  std::vector<CallObserver*> observers;  // learn, --stats
  // The path rules the kernel holds (landlock_plan.hpp); null: none. `run` only.
  const LandlockPlan* landlock = nullptr;
};

struct RunResult {
  // detached: attach let the process go (SIGINT/SIGTERM/SIGHUP to xpledge); it runs on.
  enum class Kind { exited, signaled, spawn_failed, detached } kind = Kind::spawn_failed;
  int code = 0;         // exited: status; signaled: signal number
  std::string error;    // spawn_failed: why (ptrace refused, fork failed, no such process...)
};

RunResult run_supervised(const std::vector<std::string>& argv, const TracerOptions& options);

// `xpledge attach`: PTRACE_SEIZE every thread of the running process `pid` and enforce the policy
// from then on, following its forks, clones and execs, until it exits (its status, as run) or
// xpledge gets SIGINT, SIGTERM or SIGHUP (detached; the process runs on untouched). Always pure
// ptrace (options.use_seccomp is ignored): a seccomp pre-filter cannot be loaded into a running
// process without injecting code. No PTRACE_O_EXITKILL, no Landlock domain.
RunResult attach_supervised(pid_t pid, const TracerOptions& options);

}  // namespace xpledge
