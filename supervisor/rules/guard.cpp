#include "guard.hpp"

#include <linux/seccomp.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/shm.h>

#include <csignal>

#include <algorithm>
#include <array>
#include <cstring>
#include <cerrno>
#include <string>
#include <unordered_set>

#include "arg_grants.hpp"
#include "scratch_layout.hpp"
#include "syscalls.hpp"

namespace xpledge {

namespace {

constexpr std::string_view kGuarded[] = {
    // Signals and pidfds aimed at the supervisor (by pid, by group, by pidfd), and a way back
    // into its process group.
    "kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_open",
    "pidfd_send_signal", "pidfd_getfd", "setpgid",
    // Tracing or reading the supervisor (the kernel refuses these too: non-dumpable, and the
    // tracee's Landlock domain; here they are also logged).
    "ptrace", "process_vm_readv", "process_vm_writev",
    // Setting the supervisor's resource limits: the kernel asks only for the same uid (no
    // ptrace check, no Landlock scope). RLIMIT_NOFILE 0 once left it unable to read /proc.
    "prlimit64",
    // Creating an untraced child.
    "clone", "clone3",
    // A user-notification filter outranks our SECCOMP_RET_TRACE.
    "seccomp",
    // The path scratch segment: attaching it writable, detaching or changing it (scratch.hpp).
    "shmat", "shmdt", "shmctl", "ipc",
    // Files and network reached outside path/argument checks.
    "io_uring_setup", "io_uring_enter", "io_uring_register", "open_by_handle_at", "socketcall",
};

const RuleRef kSignalSupervisor{"guard:signal-supervisor", 0, {}};
const RuleRef kClone3{"guard:clone3", 0, {}};
const RuleRef kUntraced{"guard:clone-untraced", 0, {}};
const RuleRef kListener{"guard:seccomp-listener", 0, {}};
const RuleRef kUnchecked{"guard:unchecked-io", 0, {}};

const RuleRef kReachSupervisor{"guard:reach-supervisor", 0, {}};
const RuleRef kScratch{"guard:path-scratch", 0, {}};

constexpr std::string_view kScratchMemory[] = {"mmap", "mmap2", "munmap", "mremap",
                                               "remap_file_pages"};

// i386 ipc(2) multiplexer calls on System V shared memory.
constexpr std::uint64_t kIpcShmat = 21, kIpcShmdt = 22, kIpcShmctl = 24;

bool in_scratch(std::uint64_t addr) {
  return addr >= ScratchLayout::kAddr && addr < ScratchLayout::kEnd;
}

// shmctl commands that only read.
bool shmctl_reads(std::uint64_t cmd) {
  const auto c = static_cast<std::int32_t>(cmd) & ~0x100;  // IPC_64, which libc does not export
  return c == IPC_STAT || c == SHM_STAT || c == SHM_STAT_ANY || c == IPC_INFO || c == SHM_INFO;
}

std::optional<GuardDecision> scratch_guard(const std::string& name, const Syscall& c,
                                           const GuardContext& ctx) {
  const auto deny = GuardDecision{GuardAction::deny, EPERM, &kScratch};
  const auto a = c.args;
  const bool ours = ctx.scratch_id >= 0;
  if (!ours) return std::nullopt;  // no segment: nothing is pinned, nothing to protect
  if (name == "shmat") {
    if (static_cast<std::int32_t>(a[0]) == ctx.scratch_id && !(a[2] & SHM_RDONLY)) return deny;
    if ((a[2] & SHM_REMAP) && a[1] != 0 && a[1] < ScratchLayout::kEnd)
      return deny;  // the segment's size is unknown here: any remap below the area's end
  } else if (name == "shmdt") {
    if (in_scratch(a[0])) return deny;
  } else if (name == "shmctl") {
    if (static_cast<std::int32_t>(a[0]) == ctx.scratch_id && !shmctl_reads(a[1]))
      return deny;
  } else if (name == "ipc") {
    const std::uint64_t call = a[0] & 0xffff;
    if ((call == kIpcShmat && static_cast<std::int32_t>(a[1]) == ctx.scratch_id &&
         !(a[2] & SHM_RDONLY)) ||
        (call == kIpcShmat && (a[2] & SHM_REMAP)) ||
        (call == kIpcShmdt && in_scratch(a[4])) ||
        (call == kIpcShmctl && static_cast<std::int32_t>(a[1]) == ctx.scratch_id &&
         !shmctl_reads(a[2])))
      return deny;
  } else if (name == "munmap" || name == "remap_file_pages") {
    if (ScratchLayout::overlaps(a[0], a[1])) return deny;
  } else if (name == "mmap" && c.abi == Abi::i386) {
    // i386's old mmap takes one pointer to its six arguments in memory, which another thread
    // can rewrite after we look: refused while there is an area to protect (libc uses mmap2).
    return deny;
  } else if (name == "mmap" || name == "mmap2") {
    if ((a[3] & MAP_FIXED) && ScratchLayout::overlaps(a[0], a[1])) return deny;
  } else if (name == "mremap") {
    if (ScratchLayout::overlaps(a[0], a[1])) return deny;
    if ((a[3] & MREMAP_FIXED) && ScratchLayout::overlaps(a[4], a[2])) return deny;
  }
  return std::nullopt;
}

std::int64_t as_pid(const Syscall& c, std::size_t i) {
  return static_cast<std::int32_t>(c.args[i]);  // pid_t is an int on every ABI
}

// Signals that would stop the supervisor: it cannot catch SIGSTOP, and it keeps the default
// (stop) action of the others so that ^Z from the terminal suspends xpledge with its program.
// Those that would end it are caught (see tracer.cpp) or, like SIGKILL, end the tracees too.
bool stops_supervisor(std::uint64_t sig) {
  const auto s = static_cast<std::int32_t>(sig);
  return s == SIGSTOP || s == SIGTSTP || s == SIGTTIN || s == SIGTTOU;
}

// kill(pid, sig) with pid 0, -1 or -pgid: does the set of processes it reaches hold us?
bool group_holds_supervisor(std::int64_t pid, const GuardContext& ctx) {
  if (pid == -1) return true;
  if (pid == 0) return ctx.caller_pgid != 0 && ctx.caller_pgid == ctx.supervisor_pgid;
  return pid < -1 && -pid == ctx.supervisor_pgid;
}

// Most stopped calls are no guard's business: a lookup by number, so that only guarded ones pay
// for their name (libseccomp's resolver allocates).
bool is_guarded(const Syscall& c) {
  static const auto table = [] {
    std::array<std::unordered_set<std::int64_t>, kAllAbis.size()> t;
    for (std::size_t i = 0; i < kAllAbis.size(); ++i)
      for (auto names : {std::span<const std::string_view>(kGuarded),
                         std::span<const std::string_view>(kScratchMemory)})
        for (std::string_view n : names)
          if (const auto nr = syscall_nr(kAllAbis[i], n)) t[i].insert(*nr);
    return t;
  }();
  return table[static_cast<std::size_t>(c.abi)].contains(c.nr);
}

}  // namespace

std::span<const std::string_view> guarded_syscalls() { return kGuarded; }
std::span<const std::string_view> scratch_memory_syscalls() { return kScratchMemory; }

std::optional<ArgAlternatives> guard_register_limits(std::string_view name) {
  // guard_check's clone case: only CLONE_UNTRACED (flags are argument 0 on x86-64) needs us.
  // The new child is still followed: PTRACE_O_TRACECLONE/FORK report it without a seccomp stop.
  if (name == "clone") return ArgAlternatives{{{0, false, CLONE_UNTRACED, 0}}};
  // prlimit64(0, ...) is the caller's own limits (getrlimit, setrlimit in libc); a NULL new
  // limit only reads.
  if (name == "prlimit64")
    return ArgAlternatives{{{0, false, 0xffffffffULL, 0}}, {{2, false, ~0ULL, 0}}};
  // Not a guard's: judged_as's ioctl, any command but USERFAULTFD_IOC_NEW (the kernel takes
  // the low 32 bits). Not in the guarded list, so that the guard pays no name lookup per ioctl.
  if (name == "ioctl") {
    ArgAlternatives out;
    for (auto range : {low_range(1, 0, USERFAULTFD_IOC_NEW - 1),
                       low_range(1, USERFAULTFD_IOC_NEW + 1, 0xffffffffULL)})
      for (const ArgTest& t : range) out.push_back({t});
    return out;
  }
  return std::nullopt;
}

Syscall judged_as(const Syscall& call) {
  static const CallNumbers ioctl("ioctl"), userfaultfd("userfaultfd");
  if (!ioctl.is(call) || (call.args[1] & 0xffffffffULL) != USERFAULTFD_IOC_NEW) return call;
  const auto nr = userfaultfd.on(call.abi);
  if (!nr) return call;
  // userfaultfd(flags): the ioctl's argument is the flags word (O_CLOEXEC, O_NONBLOCK,
  // UFFD_USER_MODE_ONLY), as userfaultfd(2) takes it.
  return Syscall{call.abi, *nr, {call.args[2], 0, 0, 0, 0, 0}};
}

int clone3_size_error(std::uint64_t size) {
  if (size < kCloneArgsMinBytes) return EINVAL;
  if (size > kCloneArgsMaxBytes) return E2BIG;
  return 0;
}

CloneArgs parse_clone_args(std::string_view bytes) {
  std::uint64_t f[11] = {};
  std::memcpy(f, bytes.data(), std::min(bytes.size(), sizeof f));
  return CloneArgs{f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10]};
}

Syscall clone3_as_clone(Abi abi, const CloneArgs& a) {
  static const CallNumbers clone("clone");
  // exit_signal: the kernel refuses anything above CSIGNAL (0xff) or _NSIG; the low byte is
  // where clone carries it.
  return Syscall{abi, clone.on(abi).value_or(-1),
                 {a.flags | (a.exit_signal & 0xff), a.stack + a.stack_size, a.parent_tid,
                  a.child_tid, a.tls, 0}};
}

std::string clone3_pinned_bytes(std::string_view bytes) {
  std::string out(bytes);
  if (out.size() >= sizeof(std::uint64_t)) {
    std::uint64_t flags = 0;
    std::memcpy(&flags, out.data(), sizeof flags);
    flags &= ~static_cast<std::uint64_t>(CLONE_UNTRACED);
    std::memcpy(out.data(), &flags, sizeof flags);
  }
  return out;
}

unsigned guard_inputs(const Syscall& call) { return guard_inputs(call, CallName(call)); }

unsigned guard_inputs(const Syscall& call, const CallName& named) {
  if (!is_guarded(call)) return 0;
  const std::string& name = named.name();
  if (name == "kill" && as_pid(call, 0) == 0) return kInputCallerPgid;
  if (name == "setpgid") return kInputCallerPgid;
  if (name == "pidfd_send_signal" || name == "pidfd_getfd") return kInputFdTarget;
  return 0;
}

std::optional<GuardDecision> guard_check(const Syscall& call, const GuardContext& ctx,
                                         const Verdict& policy_verdict) {
  return guard_check(call, CallName(call), ctx, policy_verdict);
}

std::optional<GuardDecision> guard_check(const Syscall& call, const CallName& named,
                                         const GuardContext& ctx, const Verdict& policy_verdict) {
  if (!is_guarded(call)) return std::nullopt;
  const pid_t supervisor = ctx.supervisor;
  const std::string& name = named.name();
  if (auto d = scratch_guard(name, call, ctx)) return d;
  const auto deny = [](int err, const RuleRef& r) {
    return GuardDecision{GuardAction::deny, err, &r};
  };
  if (name == "kill") {
    const std::int64_t pid = as_pid(call, 0);
    if (pid == supervisor) return deny(EPERM, kSignalSupervisor);
    // A group or broadcast send that reaches us too. Only the stopping signals are refused:
    // the rest reach the program's other processes as they would without us. (With Landlock
    // signal scoping the kernel keeps all of them from us anyway; this holds on older kernels.)
    if (pid <= 0 && stops_supervisor(call.args[1]) && group_holds_supervisor(pid, ctx))
      return deny(EPERM, kSignalSupervisor);
  } else if (name == "tkill" || name == "rt_sigqueueinfo" || name == "pidfd_open") {
    if (as_pid(call, 0) == supervisor) return deny(EPERM, kSignalSupervisor);
  } else if (name == "pidfd_send_signal") {
    if (ctx.fd_target == supervisor) return deny(EPERM, kSignalSupervisor);
  } else if (name == "pidfd_getfd") {
    if (ctx.fd_target == supervisor) return deny(EPERM, kReachSupervisor);
  } else if (name == "setpgid") {
    // Into our group a process that is not in it (back after leaving it, or a child moved by
    // its parent): a later kill(0, SIGSTOP) would reach us, and another thread (or the parent)
    // could move the process there between our check of that kill and the kernel's delivery.
    // A process already in our group that names it for itself changes nothing
    // (posix_spawn's POSIX_SPAWN_SETPGROUP with the parent's group, setpgid(0, getpgrp()));
    // with one thread it has no other call in flight that the move could race, and only it or
    // its parent can change its group: a parent's move elsewhere meanwhile is undone by this
    // call, which puts it back where it was when we looked.
    const std::int64_t pgid = as_pid(call, 1);
    const std::int64_t target = as_pid(call, 0);
    const bool itself = target == 0 || target == ctx.caller_tgid;
    const bool stays = itself && ctx.caller_pgid == ctx.supervisor_pgid && ctx.caller_threads == 1;
    if (pgid != 0 && pgid == ctx.supervisor_pgid && !stays)
      return deny(EPERM, kSignalSupervisor);
  } else if (name == "ptrace") {
    if (as_pid(call, 1) == supervisor) return deny(EPERM, kReachSupervisor);
  } else if (name == "process_vm_readv" || name == "process_vm_writev") {
    if (as_pid(call, 0) == supervisor) return deny(EPERM, kReachSupervisor);
  } else if (name == "prlimit64") {
    if (as_pid(call, 0) == supervisor && call.args[2] != 0) return deny(EPERM, kReachSupervisor);
  } else if (name == "tgkill" || name == "rt_tgsigqueueinfo") {
    if (as_pid(call, 0) == supervisor || as_pid(call, 1) == supervisor)
      return deny(EPERM, kSignalSupervisor);
  } else if (name == "clone3") {
    // A clone3 the tracer could not judge as clone (clone3_as_clone) and pin: an i386 one (no
    // injected shmat through int $0x80), or no scratch area. Its flags live in memory another
    // thread can rewrite after we look: ENOSYS makes libc fall back to clone(), whose flags
    // are in a register.
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
