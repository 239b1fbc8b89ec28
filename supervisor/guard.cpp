#include "guard.hpp"

#include <linux/seccomp.h>
#include <sched.h>

#include <cerrno>
#include <string>

#include "syscalls.hpp"

namespace xpledge {

namespace {

constexpr std::string_view kGuarded[] = {
    // Signals and pidfds aimed at the supervisor.
    "kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_open",
    // Creating an untraced child.
    "clone", "clone3",
    // A user-notification filter outranks our SECCOMP_RET_TRACE.
    "seccomp",
    // Files and network reached outside path/argument checks.
    "io_uring_setup", "io_uring_enter", "io_uring_register", "open_by_handle_at", "socketcall",
};

const RuleRef kSignalSupervisor{"guard:signal-supervisor", 0, {}};
const RuleRef kClone3{"guard:clone3", 0, {}};
const RuleRef kUntraced{"guard:clone-untraced", 0, {}};
const RuleRef kListener{"guard:seccomp-listener", 0, {}};
const RuleRef kUnchecked{"guard:unchecked-io", 0, {}};

std::int64_t as_pid(const Syscall& c, std::size_t i) {
  return static_cast<std::int32_t>(c.args[i]);  // pid_t is an int on every ABI
}

}  // namespace

std::span<const std::string_view> guarded_syscalls() { return kGuarded; }

std::optional<GuardDecision> guard_check(const Syscall& call, pid_t supervisor,
                                         const Verdict& policy_verdict) {
  const std::string name = syscall_name(call.abi, call.nr);
  const auto deny = [](int err, const RuleRef& r) {
    return GuardDecision{GuardAction::deny, err, &r};
  };
  if (name == "kill" || name == "tkill" || name == "rt_sigqueueinfo" || name == "pidfd_open") {
    if (as_pid(call, 0) == supervisor) return deny(EPERM, kSignalSupervisor);
  } else if (name == "tgkill" || name == "rt_tgsigqueueinfo") {
    if (as_pid(call, 0) == supervisor || as_pid(call, 1) == supervisor)
      return deny(EPERM, kSignalSupervisor);
  } else if (name == "clone3") {
    // Its flags live in memory another thread can rewrite after we look: ENOSYS makes libc
    // fall back to clone(), whose flags are in a register.
    return GuardDecision{GuardAction::deny, ENOSYS, &kClone3, true};
  } else if (name == "clone") {
    if (call.args[0] & CLONE_UNTRACED) return GuardDecision{GuardAction::strip_untraced, 0, &kUntraced};
  } else if (name == "seccomp") {
    if (call.args[0] == SECCOMP_SET_MODE_FILTER && (call.args[1] & SECCOMP_FILTER_FLAG_NEW_LISTENER))
      return deny(EPERM, kListener);
  } else if (name.starts_with("io_uring_") || name == "open_by_handle_at" || name == "socketcall") {
    if (policy_verdict.rule && policy_verdict.rule->list == "default" &&
        policy_verdict.action == Action::allow)
      return deny(EPERM, kUnchecked);
  }
  return std::nullopt;
}

}  // namespace xpledge
