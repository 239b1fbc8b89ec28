#pragma once
// Rules that hold whatever the policy says: the ways out of a ptrace sandbox. Pure: the tracer
// asks before it enforces the policy's verdict, and the pre-filter makes these calls stop.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <span>
#include <string_view>
#include <vector>

#include "policy.hpp"
#include "syscalls.hpp"

namespace xpledge {

enum class GuardAction : std::uint8_t {
  deny,           // refuse with `err`
  strip_untraced  // clear CLONE_UNTRACED from clone's flags (args[0]) and let it run
};

struct GuardDecision {
  GuardAction action = GuardAction::deny;
  int err = 0;
  const RuleRef* rule = nullptr;  // a static "guard:<why>" rule
  // Not a security refusal but an old kernel's answer (clone3 -> ENOSYS, after which libc uses
  // clone): logged only with -v, so wrapped programs' output stays their own.
  bool quiet = false;
};

// Syscall names that must stop in the supervisor, on every ABI that has them, unless
// guard_register_limits says when they need not.
std::span<const std::string_view> guarded_syscalls();

// For an x86-64 call that a guard reads by its registers alone, or that judged_as() may judge
// as another: the alternatives (BPF-shaped) under which neither has anything to say, so the
// pre-filter may let it run unseen where the policy allows it. nullopt: a guarded call always
// stops, any other is left to the policy. clone without CLONE_UNTRACED, prlimit64 on itself or
// only reading, ioctl but USERFAULTFD_IOC_NEW; the other guards need the caller's pid, process
// group or fds, or are rare.
std::optional<ArgAlternatives> guard_register_limits(std::string_view name);

// A call that makes what another call makes, by another door, is judged (by the policy and by
// pledge) as that call, whatever the policy says of the door: ioctl(fd, USERFAULTFD_IOC_NEW,
// flags) on /dev/userfaultfd (Linux 6.1) is userfaultfd(flags) (issue 15, item 5). The pre-filter
// makes such ioctls stop (guard_register_limits). Any other call: itself.
Syscall judged_as(const Syscall& call);

// clone3(2) keeps clone's arguments in a struct clone_args in memory (issue 16). The tracer
// reads it (a size the kernel takes, at most a page), judges the call as the clone it makes --
// by the policy, the guard and pledge, so that every rule on clone's flags holds for clone3 --
// and pins the bytes it judged in the read-only scratch area (scratch.hpp), CLONE_UNTRACED
// cleared, so that another thread cannot change them before the kernel copies them.
struct CloneArgs {  // the kernel's struct clone_args (include/uapi/linux/sched.h), Linux 5.7+
  std::uint64_t flags = 0, pidfd = 0, child_tid = 0, parent_tid = 0, exit_signal = 0, stack = 0,
                stack_size = 0, tls = 0, set_tid = 0, set_tid_size = 0, cgroup = 0;
};
inline constexpr std::size_t kCloneArgsMinBytes = 64;    // CLONE_ARGS_SIZE_VER0
inline constexpr std::size_t kCloneArgsMaxBytes = 4096;  // PAGE_SIZE: the kernel's E2BIG bound
// The kernel's answer to a size it does not take without reading the struct (EINVAL, E2BIG);
// 0 for a size it takes.
int clone3_size_error(std::uint64_t size);
// The struct from the bytes read (a prefix: fields beyond them are 0, as the kernel has them).
CloneArgs parse_clone_args(std::string_view bytes);
// clone3 as the clone(2) call that makes the same child, on the same ABI: clone(flags |
// exit_signal, stack + stack_size, parent_tid, child_tid, tls) (x86-64 argument order; x32
// alike). clone3's flags are 64 bits (CLONE_CLEAR_SIGHAND, CLONE_INTO_CGROUP above bit 31) and
// CLONE_NEWTIME (0x80) has a place of its own; both stay in argument 0 for rules to see.
Syscall clone3_as_clone(Abi abi, const CloneArgs& args);
// The pinned bytes: what was read, CLONE_UNTRACED cleared.
std::string clone3_pinned_bytes(std::string_view bytes);

// What a guard needs to know beyond the call's registers. Every field is a constructor
// argument, with no default: one that could be left unset would disarm its guard silently (the
// scratch fields once were, and scratch_guard never objected: issue 15). The tracer gathers them in one
// place (Tracer::guard_context); the inputs that cost a /proc read or a syscall only when
// guard_inputs() asks for them, 0 otherwise.
struct GuardContext {
  GuardContext(pid_t supervisor_, pid_t supervisor_pgid_, pid_t caller_tgid_, pid_t caller_pgid_,
               int caller_threads_, pid_t fd_target_, int scratch_id_)
      : supervisor(supervisor_),
        supervisor_pgid(supervisor_pgid_),
        caller_tgid(caller_tgid_),
        caller_pgid(caller_pgid_),
        caller_threads(caller_threads_),
        fd_target(fd_target_),
        scratch_id(scratch_id_) {}
  pid_t supervisor;       // our pid
  pid_t supervisor_pgid;  // our process group
  pid_t caller_tgid;      // the calling process (thread group) id
  pid_t caller_pgid;      // kInputCallerPgid: the calling process's group
  int caller_threads;     // kInputCallerPgid: how many threads the calling process has (as the
                          // tracer knows them: every clone is reported before the parent runs on)
  pid_t fd_target;        // kInputFdTarget: the process the call's pidfd (or /proc/PID
                          // directory fd) refers to; 0 if it refers to none or is unknown
  // The path scratch segment (scratch.hpp), -1 if there is none. While there is one, its
  // address range is reserved in every tracee, attached there or not: whether it is attached
  // is the supervisor's belief about an address space, which the tracee can make wrong
  // (madvise(MADV_DONTFORK) before a fork; a CLONE_VM child attaching for its parent); the
  // range is not.
  int scratch_id;
};
// Memory calls that could unmap, move or replace the path scratch area. The pre-filter lets
// them run unseen unless they name an address below PathScratch::kEnd (mmap: unless MAP_FIXED).
std::span<const std::string_view> scratch_memory_syscalls();
inline constexpr unsigned kInputCallerPgid = 1U << 0;
inline constexpr unsigned kInputFdTarget = 1U << 1;
unsigned guard_inputs(const Syscall& call);
// The same with the stop's name (looked up only for a guarded call, once per stop).
unsigned guard_inputs(const Syscall& call, const CallName& named);

// `policy_verdict` is what the policy decided; calls that reach files or the network outside
// our checks are refused unless a rule names them explicitly (not by `default`).
std::optional<GuardDecision> guard_check(const Syscall& call, const GuardContext& ctx,
                                         const Verdict& policy_verdict);
// The same with the stop's name (`named` names `call`), which the engine looks up once per stop.
std::optional<GuardDecision> guard_check(const Syscall& call, const CallName& named,
                                         const GuardContext& ctx, const Verdict& policy_verdict);

}  // namespace xpledge
