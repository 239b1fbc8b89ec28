// Landlock nesting: the chain of injected calls that puts a thread into a nested domain.

#include <dirent.h>
#include <linux/kcmp.h>
#include <linux/landlock.h>
#include <linux/openat2.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <memory>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "decode.hpp"
#include "guard.hpp"
#include "pledge.hpp"
#include "promises.hpp"
#include "path_match.hpp"
#include "path_resolve.hpp"
#include "path_walk.hpp"
#include "confine.hpp"
#include "landlock_plan.hpp"
#include "prefilter.hpp"
#include "scratch.hpp"
#include "regs.hpp"
#include "stop.hpp"
#include "exec_images.hpp"
#include "rule_binding.hpp"
#include "syscalls.hpp"
#include "unveil.hpp"
#include "tracee_mem.hpp"

#include "effects.hpp"
#include "engine.hpp"
#include "proc_facts.hpp"
#include "call_kinds.hpp"

namespace xpledge::engine {

// Starts the nesting chain in place of t's current call (an entry or seccomp stop):
// rt_sigprocmask(SIG_BLOCK, all) first, so that no signal handler runs between the steps (the
// thread goes back to user mode for each); landlock_create_ruleset, landlock_restrict_self,
// close; the old mask back; then the call restarts. The ruleset attribute (one handled right, as
// in the sandbox's own domain: any domain gets the kernel's ptrace scoping, whatever it
// handles) and the signal sets go below the red zone: whatever a sibling might write there, the
// result is a domain or an error, never less confinement (an unblocked signal is no hole either:
// a handler's calls are told from the chain's and judged, decide.hpp classify_nest_stop).
Restart Tracer::start_nest(ThreadState& t, const SyscallStopInfo& info, bool for_xpledge) {
  using Chain = ThreadState::NestChain;
  Chain chain;
  chain.for_xpledge = for_xpledge;
  chain.ip = info.ip;
  if (!save_regs(t.tid, chain.saved)) return kGone;  // vanished
  chain.scratch_addr = (saved_stack_pointer(chain.saved) - 4096 - 64) & ~0xfULL;
  // confine.hpp ruleset_spec: the signal scope and no filesystem right on ABI 6+, so that
  // renames across directories keep working; any domain gets the kernel's ptrace scoping.
  const RulesetSpec spec = ruleset_spec(confine_, true);
  chain.attr_size = spec.size;
  const std::uint64_t block[6] = {spec.handled_fs, spec.handled_net, spec.scoped, 0,
                                  ~std::uint64_t{0}, 0};
  const auto fail = [&](const std::string& why) {
    opts_.log->error(fmt::format("pid {}: {}", t.tid, why));
    t.nest_failed = true;
    effects::skip(t.tid);
    chain.step = Chain::kDone;  // straight to the end: restart the call
    t.nest = chain;
    ++t.proc->nest_chains;
    return kResume;
  };
  // A seccomp filter of the thread's own could answer our injected calls (RET_TRAP, RET_ERRNO):
  // with one, the chain does not start (it is checked again at the end).
  const long filters = status_field(t.tid, "Seccomp_filters:");
  if (filters != t.proc->our_filters)
    return fail(fmt::format("has seccomp filters of its own ({} of which {} ours): cannot nest "
                            "its Landlock domain", filters, t.proc->our_filters));
  if (spec.size > 3 * sizeof(std::uint64_t) ||
      !effects::write_scratch(t.tid, chain.scratch_addr, block, sizeof block) ||
      !effects::inject(t.tid, chain.saved, SYS_rt_sigprocmask,
                       {SIG_BLOCK, chain.sigset_all(), chain.sigset_old(), 8}))
    return fail("cannot inject its Landlock nesting");
  chain.step = Chain::kBlock;
  t.nest = chain;
  ++t.proc->nest_chains;
  return kResume;
}

// One exit stop of the chain. The chain's result is believed only if the thread has no seccomp
// filter we did not stack: one of its own could answer landlock_restrict_self with 0.
void Tracer::on_nest_step(ThreadState& t, const SyscallStopInfo& info) {
  using Chain = ThreadState::NestChain;
  auto& c = *t.nest;
  const auto next = [&](Chain::Step step, std::int64_t nr, const std::array<std::uint64_t, 4>& a) {
    c.step = step;
    c.ours_in_flight = false;
    c.expect_nr = nr;
    c.expect_a0 = a[0];
    if (!effects::reissue(t.tid, c.saved, nr, a)) t.nest.reset();
  };
  const auto unblock = [&] {
    if (c.blocked)
      return next(Chain::kUnblock, SYS_rt_sigprocmask, {SIG_SETMASK, c.sigset_old(), 0, 8});
    c.step = Chain::kDone;
  };
  switch (c.step) {
    case Chain::kBlock:
      c.blocked = info.rval == 0;
      return next(Chain::kCreate, SYS_landlock_create_ruleset, {c.scratch_addr, c.attr_size, 0, 0});
    case Chain::kCreate:
      c.fd = info.rval;
      if (c.fd >= 0)
        return next(Chain::kRestrict, SYS_landlock_restrict_self,
                    {static_cast<std::uint64_t>(c.fd), 0, 0, 0});
      unblock();
      if (c.step != Chain::kDone) return;
      break;
    case Chain::kRestrict:
      c.restricted = info.rval;
      return next(Chain::kClose, SYS_close, {static_cast<std::uint64_t>(c.fd), 0, 0, 0});
    case Chain::kClose:
      unblock();
      if (c.step != Chain::kDone) return;
      break;
    case Chain::kUnblock:
    case Chain::kDone: break;
  }
  const long filters = status_field(t.tid, "Seccomp_filters:");
  const bool nested = c.restricted == 0 && filters == t.proc->our_filters;
  const Chain done = c;
  t.nest.reset();
  --t.proc->nest_chains;
  if (nested) {
    // One layer is enough to catch up: from it the thread reaches only what it creates itself,
    // and a narrowing it makes later nests it again. The xpledge caller is one narrowing ahead
    // until it commits.
    t.nest_level = t.proc->nest_level + (done.for_xpledge ? 1 : 0);
  } else {
    opts_.log->error(fmt::format(
        "pid {}: cannot nest its Landlock domain (create_ruleset {}, restrict_self {}, seccomp "
        "filters {} of which {} ours){}", t.tid, done.fd, done.restricted, filters,
        t.proc->our_filters,
        done.for_xpledge ? ": xpledge fails with EPERM" : ": its process narrowed, so it is killed"));
    if (!done.for_xpledge) kill(t.proc->tgid, SIGKILL);
    else t.nest_failed = true;
  }
  effects::restore_and_restart(t.tid, done.saved);
  unpark(t.proc);
}

}  // namespace xpledge::engine
