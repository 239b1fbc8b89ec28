#include <doctest/doctest.h>

#include <csignal>
#include <sched.h>

#include "guard.hpp"
#include "syscalls.hpp"

using namespace xpledge;

namespace {
constexpr pid_t kSup = 1000, kSupGroup = 900;

Syscall call(const char* name, std::array<std::uint64_t, 6> args = {}) {
  const auto nr = syscall_nr(Abi::x86_64, name);
  REQUIRE(nr);
  return Syscall{Abi::x86_64, *nr, args};
}
std::uint64_t neg(std::int64_t v) { return static_cast<std::uint64_t>(v); }

std::optional<GuardDecision> check(const Syscall& c, pid_t caller_pgid = 0, pid_t fd_target = 0) {
  static const RuleRef kDefault{"default", 0, {}};
  return guard_check(c, GuardContext{kSup, kSupGroup, caller_pgid, fd_target},
                     Verdict{Action::allow, 0, &kDefault});
}
bool refused(const std::optional<GuardDecision>& d) {
  return d && d->action == GuardAction::deny && d->err == EPERM;
}
}  // namespace

TEST_CASE("guard: signals by pid, group and broadcast") {
  CHECK(refused(check(call("kill", {kSup, SIGTERM}))));
  CHECK_FALSE(check(call("kill", {kSup + 1, SIGSTOP})));
  // kill(-1): stopping signals only; the others may reach us (we catch them).
  CHECK(refused(check(call("kill", {neg(-1), SIGSTOP}))));
  CHECK(refused(check(call("kill", {neg(-1), SIGTSTP}))));
  CHECK_FALSE(check(call("kill", {neg(-1), SIGALRM})));
  // kill(0): only when the caller shares our group (the tracer says so).
  CHECK(guard_inputs(call("kill", {0, SIGSTOP})) == kInputCallerPgid);
  CHECK(refused(check(call("kill", {0, SIGSTOP}), kSupGroup)));
  CHECK_FALSE(check(call("kill", {0, SIGSTOP}), kSupGroup + 5));
  // kill(-pgid): our group by number; the upper half of the register is not the kernel's.
  CHECK(refused(check(call("kill", {neg(-kSupGroup), SIGSTOP}))));
  CHECK(refused(check(call("kill", {neg(-kSupGroup) & 0xffffffffU, SIGSTOP}))));
  CHECK_FALSE(check(call("kill", {neg(-kSupGroup - 1), SIGSTOP})));
  // Back into our group.
  CHECK(refused(check(call("setpgid", {0, kSupGroup}))));
  CHECK_FALSE(check(call("setpgid", {0, 0})));
}

TEST_CASE("guard: pidfds and tracing aimed at the supervisor") {
  CHECK(guard_inputs(call("pidfd_send_signal", {3, SIGSTOP})) == kInputFdTarget);
  CHECK(refused(check(call("pidfd_send_signal", {3, SIGSTOP}), 0, kSup)));
  CHECK_FALSE(check(call("pidfd_send_signal", {3, SIGSTOP}), 0, kSup + 1));
  CHECK(refused(check(call("pidfd_getfd", {3, 1, 0}), 0, kSup)));
  CHECK(refused(check(call("ptrace", {16, kSup}))));  // PTRACE_ATTACH
  CHECK_FALSE(check(call("ptrace", {16, kSup + 1})));
  CHECK(refused(check(call("process_vm_writev", {kSup}))));
  CHECK(refused(check(call("pidfd_open", {kSup}))));
}

TEST_CASE("guard: untraced children and listeners") {
  const auto d = check(call("clone", {CLONE_UNTRACED | SIGCHLD}));
  REQUIRE(d);
  CHECK(d->action == GuardAction::strip_untraced);
  CHECK(check(call("clone3"))->err == ENOSYS);
}
