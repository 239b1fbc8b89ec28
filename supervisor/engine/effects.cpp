// Effects at a syscall stop: a verdict applied to the tracee's registers (enforce), and the exit
// stop's work for what its entry started (a result to write, a check to make, an injected call
// to finish).
#include <sys/ptrace.h>

#include <csignal>
#include <utility>
#include <fmt/format.h>

#include "effects.hpp"
#include "engine.hpp"
#include "call_kinds.hpp"

namespace xpledge::engine {

namespace effects {

bool skip(pid_t tid) { return skip_syscall(tid); }
bool set_return(pid_t tid, std::int64_t value) { return set_return_value(tid, value); }
bool set_arg(pid_t tid, Abi abi, int index, std::uint64_t value) {
  return set_syscall_arg(tid, abi, index, value);
}
bool set_nr(pid_t tid, std::int64_t nr) { return set_syscall_nr(tid, nr); }
bool inject(pid_t tid, const SavedRegs& base, std::int64_t nr,
            const std::array<std::uint64_t, 4>& args) {
  return rewrite_syscall(tid, base, nr, args);
}
bool reissue(pid_t tid, const SavedRegs& base, std::int64_t nr,
             const std::array<std::uint64_t, 4>& args) {
  return reissue_syscall(tid, base, nr, args);
}
bool restore(pid_t tid, const SavedRegs& regs, std::int64_t rax) {
  return restore_regs(tid, regs, rax);
}
bool restore_and_restart(pid_t tid, const SavedRegs& regs) {
  return restore_regs_and_restart(tid, regs);
}
bool restore_args(pid_t tid, const SavedRegs& saved, Abi abi,
                  std::optional<std::int64_t> expect_nr) {
  return restore_call_args(tid, saved, abi, expect_nr);
}
bool write_scratch(pid_t tid, std::uint64_t addr, const void* buf, std::size_t len) {
  return write_bytes(tid, addr, buf, len);
}
bool write_result(pid_t tid, std::uint64_t addr, const void* buf, std::size_t len) {
  return write_bytes(tid, addr, buf, len);
}

}  // namespace effects

Restart Tracer::enforce(ThreadState& t, const StopFacts& f, const Outcome& o) {
  const pid_t tid = t.tid;
  const Verdict& v = o.verdict;
  const Syscall& call = f.call();
  f.enforced = v;
  if ((v.action == Action::allow || v.action == Action::log) && opts_.use_seccomp && t.proc &&
      is_seccomp_call(call)) {
    ++t.proc->seccomp_running;  // until its exit stop (restart() asks for it)
    t.exit_phase = phase::SeccompRunning{};
  }
  if ((v.action == Action::allow || v.action == Action::log) && t.proc &&
      installs_own_filter(call))
    t.proc->own_filters = true;
  // Refused after its arguments were repointed (a second path that cannot be pinned): the
  // program keeps its own registers, and the exit stop has none to put back.
  if ((v.action == Action::deny || v.action == Action::kill) && t.own_args) {
    effects::restore_args(tid, t.own_args->regs, t.own_args->abi, std::nullopt);
    t.own_args.reset();
  }
  switch (v.action) {
    case Action::allow: break;
    case Action::log: report(t, f, o); break;
    case Action::deny:
      effects::skip(tid);
      if (f.seccomp_stop) {
        // The kernel skips nr -1 without touching rax: the result can be written now.
        effects::set_return(tid, -v.err);
      } else {
        t.exit_phase = phase::AwaitingReturn{-v.err, call.abi, call.nr};
      }
      report(t, f, o);
      break;
    case Action::kill:
      effects::skip(tid);
      report(t, f, o);  // before the kill: the record reads the caller's name and memory
      kill(t.proc ? t.proc->tgid : tid, SIGKILL);
      break;
  }
  return kResume;
}

void Tracer::on_syscall_exit(ThreadState& t, const SyscallStopInfo& info) {
  if (const auto* s = std::get_if<phase::AwaitingScratch>(&t.exit_phase)) {
    const phase::AwaitingScratch attach = *s;
    t.exit_phase = phase::Running{};
    on_scratch_attached(t, info, attach);
    return;
  }
  if (t.nest) {
    if (!t.nest->foreign_in_flight) {
      on_nest_step(t, info);
      return;
    }
    t.nest->foreign_in_flight = false;  // the thread's own call ended: its result as any call's
  }
  if (t.own_args) put_back_own_args(t, info);
  const ExitPhase done = std::exchange(t.exit_phase, phase::Running{});
  if (in_phase<phase::SeccompRunning>(done)) {
    --t.proc->seccomp_running;
    unpark(t.proc);
  } else if (const auto* f = std::get_if<phase::AwaitingFilter>(&done)) {
    on_filter_injected(t, info, *f);
  } else if (const auto* w = std::get_if<phase::ExecMapWatch>(&done)) {
    verify_exec_mapping(t, info, *w);
  } else if (const auto* c = std::get_if<phase::ExitCheck>(&done)) {
    verify_exit(t, *c, info);
  } else if (const auto* m = std::get_if<phase::MmsgAsMsg>(&done)) {
    finish_mmsg_as_msg(t, info, *m);  // addr_pinning.cpp
  } else if (const auto* r = std::get_if<phase::AwaitingReturn>(&done)) {
    if (info.rval != -ENOSYS) {
      // Something ran although we skipped it (another tracer, a seccomp filter rewriting the
      // number?): the denial did not hold. Say so loudly; still return our result to the caller.
      opts_.log->error(fmt::format(
          "pid {}: skipped {} returned {} instead of -ENOSYS: the kernel may have run it", t.tid,
          syscall_name(r->abi, r->skipped_nr), info.rval));
    }
    effects::set_return(t.tid, r->value);
  }
}

}  // namespace xpledge::engine
