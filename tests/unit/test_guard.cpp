#include <doctest/doctest.h>

#include <csignal>
#include <sched.h>

#include <sys/mman.h>
#include <sys/shm.h>

#include "guard.hpp"
#include "scratch.hpp"
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
  return guard_check(c, GuardContext{kSup, kSupGroup, caller_pgid, fd_target, -1},
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

TEST_CASE("guard: the path scratch area") {
  static const RuleRef kDefault{"default", 0, {}};
  const Verdict allow{Action::allow, 0, &kDefault};
  // The range is reserved whenever there is a segment (id 7), attached in the caller or not.
  const GuardContext mapped{kSup, kSupGroup, 0, 0, 7};
  const GuardContext none{kSup, kSupGroup, 0, 0, -1};
  const auto in = PathScratch::kAddr + 4096, below = PathScratch::kAddr - 8192;
  const auto g = [&](const Syscall& c, const GuardContext& ctx) {
    const auto d = guard_check(c, ctx, allow);
    return d && d->action == GuardAction::deny && d->rule->list == "guard:path-scratch";
  };
  // Unmapping, moving or replacing it: refused.
  CHECK(g(call("munmap", {in, 4096}), mapped));
  CHECK(g(call("munmap", {below, 16384}), mapped));  // overlaps its first page
  CHECK_FALSE(g(call("munmap", {below, 4096}), mapped));
  CHECK_FALSE(g(call("munmap", {in, 4096}), none));  // no segment: nothing to protect
  CHECK(g(call("mmap", {in, 4096, 3, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS}), mapped));
  CHECK_FALSE(g(call("mmap", {in, 4096, 3, MAP_PRIVATE | MAP_ANONYMOUS}), mapped));  // a hint
  CHECK(g(call("mremap", {in, 4096, 8192, 0, 0}), mapped));
  CHECK(g(call("mremap", {0x7f2000000000, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, in}), mapped));
  CHECK(g(call("remap_file_pages", {in, 4096}), mapped));
  CHECK(g(call("shmdt", {PathScratch::kAddr}), mapped));
  CHECK(g(call("shmat", {9, in, SHM_REMAP}), mapped));
  // The segment itself: read-only attaches and reads only, mapped or not.
  CHECK(g(call("shmat", {7, 0, 0}), mapped));
  CHECK_FALSE(g(call("shmat", {7, 0, SHM_RDONLY}), mapped));
  CHECK_FALSE(g(call("shmat", {8, 0, 0}), mapped));
  CHECK(g(call("shmctl", {7, IPC_SET, 0}), mapped));
  CHECK(g(call("shmctl", {7, IPC_RMID, 0}), mapped));
  CHECK_FALSE(g(call("shmctl", {7, IPC_STAT, 0}), mapped));
  CHECK_FALSE(g(call("shmctl", {8, IPC_SET, 0}), mapped));
}

TEST_CASE("path scratch: what /proc/PID/maps says is at the area") {
  using Seen = PathScratch::Seen;
  const std::string before = "00400000-00401000 r-xp 00000000 08:01 123 /bin/victim\n";
  const std::string after = "7f0000000000-7f0000001000 rw-p 00000000 00:00 0 \n";
  const std::string ours = "7d000000-7f200000 r--s 00000000 00:01 7 /SYSV00000000 (deleted)\n";
  CHECK(PathScratch::classify_maps(before + ours + after, 7) == Seen::ours);
  CHECK(PathScratch::classify_maps(before + after, 7) == Seen::free);
  CHECK(PathScratch::classify_maps("", 7) == Seen::free);
  // Another segment, a writable attach, anonymous memory, part of the range, two mappings.
  CHECK(PathScratch::classify_maps(ours, 8) == Seen::other);
  CHECK(PathScratch::classify_maps(
            "7d000000-7f200000 rw-s 00000000 00:01 7 /SYSV00000000 (deleted)\n", 7) ==
        Seen::other);
  CHECK(PathScratch::classify_maps("7d000000-7f200000 rw-p 00000000 00:00 0 \n", 7) ==
        Seen::other);
  CHECK(PathScratch::classify_maps(
            "7d000000-7e000000 r--s 00000000 00:01 7 /SYSV00000000 (deleted)\n", 7) ==
        Seen::other);
  CHECK(PathScratch::classify_maps("7c000000-7d001000 rw-p 00000000 00:00 0 \n" + ours, 7) ==
        Seen::other);
  CHECK(PathScratch::classify_maps("garbage\n", 7) == Seen::other);
}

TEST_CASE("path scratch: range checks") {
  CHECK(PathScratch::overlaps(PathScratch::kAddr, 1));
  CHECK(PathScratch::overlaps(PathScratch::kEnd - 1, 1));
  CHECK_FALSE(PathScratch::overlaps(PathScratch::kEnd, 4096));
  CHECK_FALSE(PathScratch::overlaps(PathScratch::kAddr - 4096, 4096));
  CHECK(PathScratch::overlaps(0, UINT64_MAX));  // wraps: everything
  CHECK(PathScratch::overlaps(PathScratch::kAddr + 10, 0));
}
