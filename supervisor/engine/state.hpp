#pragma once
// The thread and process records of the engine: what the tracer knows of each tracee between
// its stops.

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "exec_images.hpp"
#include "path_match.hpp"
#include "pledge.hpp"
#include "promises.hpp"
#include "regs.hpp"
#include "unveil.hpp"
#include "phase.hpp"

namespace xpledge::engine {


// One address space (mm): where the path scratch area is attached. Shared by the threads of a
// process and by the processes a CLONE_VM clone makes (vfork, posix_spawn): one of them
// attaching the area attaches it for all. A fork child gets a copy, whose mapping the kernel
// copied unless the program said otherwise (madvise(MADV_DONTFORK)): what a copy believes is
// checked against /proc/PID/maps before anything is pinned there. exec gets a new one.
struct AddressSpace {
  enum class Scratch : std::uint8_t {
    absent,     // not attached: the next path-checked call attaches it
    inherited,  // a fork child's copy of a parent that had it: to be verified
    mapped,     // attached read-only at PathScratch::kAddr (attached or verified by us)
    failed,     // cannot be attached: path-checked calls are refused (EAGAIN), never unpinned
  };
  Scratch scratch = Scratch::absent;
  int scratch_retries = 0;  // attaches lost to another user's admit() in this image
};

struct ProcessState {
  pid_t tgid = 0;
  // Until our own exec of CMD completes the process runs xpledge's code: nothing is checked.
  bool trusted_pre_exec = false;
  PledgeState pledge;
  UnveilState unveil;  // SYS_xunveil: copied at fork, dropped at exec
  // Seccomp mode: the Seccomp_filters count of the thread that stacked our unveil filter, just
  // after (0: none, or not known to be in every thread). The filter survives fork and exec.
  // A fork child whose count is lower forked before it was installed (unveil_calls.cpp).
  long unveil_filter_count = 0;
  std::shared_ptr<AddressSpace> mm = std::make_shared<AddressSpace>();
  // Seccomp mode: the intersection of the pledge filters stacked in the kernel for this process
  // (they survive fork and exec); nullopt: none. Calls outside it stop.
  std::optional<PromiseSet> kernel_allows;
  // An injected pledge filter is verified by the calling thread's Seccomp_filters count, which
  // another thread's seccomp(TSYNC) would also raise: while one is in flight (filter_injector)
  // or a tracee's own seccomp() runs (seccomp_running), the other threads' seccomp() and
  // xpledge() wait at their stop (parked), and are decided when it is done.
  pid_t filter_injector = 0;
  int seccomp_running = 0;
  std::vector<pid_t> parked;
  // Narrowings committed, each with its nested Landlock domain (ThreadState::nest_level), and
  // the seccomp filters we stacked and verified (the pre-filter, pledge filters): a thread
  // with more has filters of its own, which could answer our injected calls.
  int nest_level = 0;
  long our_filters = 0;
  // The program may have seccomp filters of its own (it ran a seccomp() or
  // prctl(PR_SET_SECCOMP), or we attached to it): a call we rewrite could meet them.
  bool own_filters = false;
  bool warned_no_view = false;  // said once: its /proc view cannot be read (not dumpable)
  int nest_chains = 0;  // threads inside a nesting chain (checked by the same count: parked too)

  // What other threads were doing (an injection or seccomp() in flight, chains, parked calls)
  // is not this copy's (a fork child) or is over (an exec swept them away).
  void forget_other_threads() {
    filter_injector = 0;
    seccomp_running = 0;
    nest_chains = 0;
    parked.clear();
  }
};

struct ThreadState {
  pid_t tid = 0;
  std::shared_ptr<ProcessState> proc;
  bool awaiting_initial_stop = false;  // parent's fork event seen, its first stop not yet
  bool embryo = false;                 // stopped before its parent's fork event: held
  bool orphan_killed = false;          // an embryo whose parent died: SIGKILL sent once
  // Seccomp mode, after an exec into execpromises narrower than the filters in the kernel: the
  // filter to stack before the new image's first call runs (it is resumed with PTRACE_SYSCALL
  // until then, so that call stops).
  std::optional<PromiseSet> exec_filter;
  // Nesting: the thread's Landlock domains for narrowings (below its process's level: it must
  // nest before its next call runs), and the chain of injected calls that makes one:
  // landlock_create_ruleset, landlock_restrict_self, close; then its own call restarts.
  int nest_level = 0;
  struct NestChain {
    enum Step : std::uint8_t { kBlock, kCreate, kRestrict, kClose, kUnblock, kDone };
    SavedRegs saved;
    Step step = kBlock;
    long fd = -1;
    long restricted = -1;
    bool blocked = false;      // the signal mask was set (and must be put back)
    bool for_xpledge = false;  // the caller of a narrowing xpledge(), not a thread catching up
    // Below the red zone: the ruleset attribute (attr_size bytes, at most 24), the full signal
    // set, the old mask.
    std::uint64_t scratch_addr = 0;
    std::uint64_t attr_size = 0;
    std::uint64_t sigset_all() const { return scratch_addr + 32; }
    std::uint64_t sigset_old() const { return scratch_addr + 40; }
    // A stop is the chain's only if it is the call we reissued (number, first argument,
    // instruction pointer); any other is the thread's own call (a signal handler's, should one
    // run despite the mask), judged like any other (issue 15 review: one once ran unchecked).
    std::uint64_t ip = 0;         // after the syscall instruction of the original call
    std::int64_t expect_nr = -1;  // the step to come
    std::uint64_t expect_a0 = 0;
    bool ours_in_flight = true;   // our step entered (or was injected at the stop): its exit next
    bool foreign_in_flight = false;  // the thread's own call entered: its exit next
  };
  std::optional<NestChain> nest;
  bool nest_failed = false;  // the last chain did not nest it (xpledge then fails)
  bool parked_at_seccomp_stop = false;
  // The last call whose paths were pinned, as the kernel sees it after pinning, with the bytes
  // pinned; and those of calls a signal interrupted that the kernel may restart once the handler
  // returns. A handler's own path call reuses the thread's slot, so a restarted call gets its
  // bytes back first (restore_restarted_paths; innermost last, at most kMaxRestartable).
  struct PinnedCall {
    Syscall call;
    std::array<std::optional<std::string>, 2> paths;
    std::string open_how;
    std::optional<std::string> struct0;  // clone3's struct clone_args (slot 0, raw bytes)
    std::optional<std::string> struct1;  // sendmsg's struct msghdr (slot 1; its sockaddr: 0)
    std::optional<Syscall> rewritten_from;  // an open made an openat2: the program's own call
  };
  std::optional<PinnedCall> last_pinned;
  std::optional<phase::OwnArgs> own_args;  // the current call's own registers (keep_own_args)
  // A new task's copy of its creator's own_args: the kernel gave it its creator's registers as
  // rewritten (put_back_creator_args, at its first stop).
  std::optional<phase::OwnArgs> creator_args;
  std::vector<PinnedCall> restartable;
  // What the exit stop of the current call must do (phase.hpp); Running: nothing.
  ExitPhase exit_phase;
  using ExitCheck = phase::ExitCheck;
  using ExecMapWatch = phase::ExecMapWatch;
};

inline ThreadState new_thread(pid_t tid, std::shared_ptr<ProcessState> proc) {
  ThreadState t;
  t.tid = tid;
  t.proc = std::move(proc);
  return t;
}

}  // namespace xpledge::engine
