#pragma once
// The decision on a program's own call, PURE: from the facts read at its stop (the call, its
// resolved paths, the guard's inputs) and the process's pledge and unveil state to a verdict
// and the effects it asks for. No ptrace, no /proc, no logging: unit-tested with fake facts
// (tests/unit/test_decide.cpp).
#include <span>
#include <string>

#include <cstdint>
#include <optional>

#include "facts.hpp"
#include "guard.hpp"
#include "phase.hpp"
#include "syscalls.hpp"
#include "pledge.hpp"
#include "policy.hpp"
#include "promises.hpp"
#include "regs.hpp"
#include "state.hpp"
#include "unveil.hpp"

namespace xpledge::engine {

// What the stop read, once: nothing is read again while deciding.
struct CallFacts {
  Syscall call;                    // as the program made it
  std::span<const PathArg> paths;  // resolved when a rule, a promise or an observer needs them
  GuardContext guard;              // Tracer::guard_context
  const CallName& named;           // its name, looked up once for the stop (a hint needs it)
  const AddrArg* addr = nullptr;   // its socket address, read with the paths
  const PathArg* sock_path = nullptr;  // the file an AF_UNIX address names (unveil judges it)
};

// The run's policy and the calling process's state.
struct Judge {
  const Policy& policy;
  const PromiseCatalogue& catalogue;
  const PledgeState& pledge;
  const UnveilState& unveil;
  bool explain = false;  // -v: a refusal says what would allow it (Decision::hint)
};

struct Decision {
  Verdict verdict;
  bool guarded = false;  // a guard decided it: --permissive does not lift that
  bool quiet = false;    // the guard's refusal is not logged unless -v (GuardDecision::quiet)
  // The guard lets the call run with CLONE_UNTRACED cleared: the effect to apply, logged with
  // this rule. Null: nothing to clear.
  const RuleRef* strip_untraced = nullptr;
  std::string hint;      // why it was refused, for the record
};

// The policy, the guard, the denied-tree move check, pledge and unveil, in that order.
Decision decide_call(const Judge& judge, const CallFacts& facts);

// The guard's answer on top of the policy's verdict (decide_call's second step; clone3 too).
Decision apply_guard(const Syscall& call, const CallName& named, const GuardContext& guard,
                     const Verdict& policy_verdict);

// Pledge on top of a verdict: a refusal of the policy stands; else the promises decide. `hint`
// is set when pledge refuses.
Verdict pledge_verdict(const Judge& judge, const CallContext& ctx, const CallName& named,
                       const Verdict& v, std::string& hint);
// Unveil: every path, as named and as reached, must be unveiled; a call that reaches files
// by no path we check (reaches_files_unseen) is refused.
Verdict unveil_verdict(const UnveilState& unveil, const CallName& named,
                       std::span<const PathArg> paths, const Verdict& v);
// What would allow a refused call: a promise, and a path rule for each path.
std::string explain(const PromiseCatalogue& catalogue, const CallContext& ctx,
                    const CallName& named);

// --permissive: a refusal is recorded and the call runs, unless a guard refused it (guards
// protect the supervisor itself).
inline bool permissive_lets_run(const Decision& d, bool permissive) {
  return permissive && !d.guarded &&
         (d.verdict.action == Action::deny || d.verdict.action == Action::kill);
}

// SYS_xpledge once its strings are read: what the call does next.
struct XpledgeFacts {
  const PledgeState& now;  // the process's promises
  PromiseArg promises, execpromises;
  bool nest_failed = false;       // the thread's last nesting chain did not nest it
  bool landlock_nesting = false;  // narrowings nest a Landlock domain (Landlock is there)
  int thread_nest_level = 0, process_nest_level = 0;
  bool multithreaded = false;
  const std::optional<PromiseSet>& kernel_allows;  // the pledge filters stacked so far
  bool seccomp_stop = false;  // seccomp mode: calls outside the kernel's filters do not stop
};
struct XpledgePlan {
  enum class Step : std::uint8_t {
    refuse,        // fails with `err` (`hint` says why); nothing changes
    nest_first,    // a narrowing: the thread nests its Landlock domain, then the call restarts
    commit,        // `next` (and `commit_level`) take effect now; the call returns 0
    stack_filter,  // a filter for `in_filter` is stacked; `next` commits once it is installed
  };
  Step step = Step::refuse;
  int err = 0;
  std::string hint;
  bool clears_nest_failed = false;  // the failed chain is answered by this refusal
  PledgeState next;
  PromiseSet in_filter;
  int commit_level = 0;
};
XpledgePlan plan_xpledge(const PromiseCatalogue& catalogue, const XpledgeFacts& facts);

// A thread whose process narrowed while it ran (its nest level below the process's): before
// its next call runs it joins the nested Landlock domain (`nest`); an i386 call cannot carry the
// injected x86-64 calls (`refuse`, EAGAIN, until an x86-64 call comes); while a filter
// injection or a seccomp() of the process is in flight its filter count is not ours alone
// (`park`). `none`: not behind, inside a chain already, or no Landlock.
enum class CatchUp : std::uint8_t { none, refuse, park, nest };
CatchUp catch_up(bool in_chain, int thread_level, int process_level, bool landlock_nesting,
                 bool x86_64, bool filters_busy);

// A stop of a thread inside its nesting chain. Only the step we reissued is the chain's
// (number, first argument, instruction pointer: a signal handler's call in between was once
// taken for it and ran unchecked, issue 15); it updates `c` as the chain's steps come and go.
enum class NestStop : std::uint8_t {
  ours,             // the chain's own step: it runs
  left_chain,       // signals blocked, yet not ours: the thread left the chain (it is killed)
  to_seccomp_stop,  // its own call at the entry stop, seccomp mode: judged at its seccomp stop
  refuse,           // its own call, refused with EINTR (catching up, or it needs an injection)
  judge,            // its own call, judged like any other
};
NestStop classify_nest_stop(ThreadState::NestChain& c, const SyscallStopInfo& info,
                            bool use_seccomp, int thread_level, int process_level);

// clone3 is judged as the clone it makes (`as_clone`); a rule of the policy's lists that names
// clone3 itself (`own`) applies too, and the stricter of the two wins.
Verdict clone3_verdict(const Verdict& as_clone, const Verdict& own);

// How an allowed open is changed before the kernel runs it (Tracer::pin_paths).
struct OpenPlan {
  std::optional<std::string> how;  // made an openat2 with this struct open_how (no symlinks)
  bool truncate_at_exit = false;   // its O_TRUNC taken off, done at the exit stop
  bool nofollow_at_exit = false;   // O_NOFOLLOW added, the object checked at the exit stop
};
// `own_filters`: the process may have seccomp filters of its own (an openat2 could meet them).
OpenPlan plan_open(bool own_filters, const Syscall& call, const SyscallSig& sig,
                   const PathArg& path);
// Which allowed path calls are checked again at their exit stop: an open the kernel resolves
// by itself (not `resolved_open`), whose descriptor must be the object judged; and, with the
// policy's move guard, a rename or link, whose new name must now be the object judged.
std::optional<phase::ExitCheck> exit_check_for(const Syscall& call, const SyscallSig& sig,
                                               std::span<const PathArg> paths, bool resolved_open,
                                               bool truncate_at_exit, bool move_guard);

inline bool runs(const Verdict& v) { return v.action == Action::allow || v.action == Action::log; }

}  // namespace xpledge::engine
