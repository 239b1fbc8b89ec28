#pragma once
// What one syscall stop knows of the call, read once: the kernel's answer (op, arch, number,
// arguments), the call's name and signature, its resolved paths. decide, effects and report
// take these; nobody reads the tracee or looks the name up again for the same stop.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "path_match.hpp"
#include "policy.hpp"
#include "regs.hpp"
#include "sock_addr.hpp"
#include "syscalls.hpp"

namespace xpledge::engine {

// CallName (syscalls.hpp): the stop's name and signature, looked up at most once; the guard and
// the observers take the stop's own.

struct StopFacts {
  StopFacts(const SyscallStopInfo& i, bool seccomp)
      : info(i), seccomp_stop(seccomp), named(i.call) {}
  // A call no stop made as such (an exec image judged at the exec event): what the record names.
  explicit StopFacts(const Syscall& call) : named(call) { info.call = call; }

  const Syscall& call() const { return info.call; }
  const std::string& name() const { return named.name(); }
  const SyscallSig* sig() const { return named.sig(); }

  SyscallStopInfo info;
  bool seccomp_stop = false;  // a seccomp stop (the pre-filter asked), else a syscall-entry stop
  CallName named;
  std::vector<PathArg> paths;  // resolved when a rule, a promise or an observer needs them
  bool paths_checked = false;  // a rule or promise needs them: pinned if the call runs
  std::optional<AddrArg> addr;  // its socket address, read when paths_checked: pinned too
  // The file an AF_UNIX address names, while unveil hides paths (unix_paths.hpp).
  std::optional<PathArg> sock_path;
  // What enforce() did at this stop (unset: nothing yet, e.g. the scratch area is being
  // attached and the call restarts): what observers are told was done.
  mutable std::optional<Verdict> enforced;
};

// A decided call: the verdict and what its record says besides. Per call, never kept on the
// thread: it ends with the stop that decided it.
struct Outcome {
  Outcome() = default;
  Outcome(const Verdict& v, std::string why = {}, bool quiet_ = false)  // NOLINT: a verdict is one
      : verdict(v), hint(std::move(why)), quiet(quiet_) {}
  Verdict verdict;
  std::string hint;    // why it was refused (-v: what would allow it)
  bool quiet = false;  // refused without a record (GuardDecision::quiet, the kernel's own answer)
};

}  // namespace xpledge::engine
