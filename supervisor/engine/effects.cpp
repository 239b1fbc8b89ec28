// Effects at a syscall stop: a verdict applied to the tracee's registers (enforce), and the exit
// stop's work for what its entry started (a result to write, a check to make, an injected call
// to finish).
#include <sys/ptrace.h>

#include <csignal>
#include <utility>
#include <fmt/format.h>

#include "engine.hpp"
#include "call_kinds.hpp"

namespace xpledge::engine {

Restart Tracer::enforce(ThreadState& t, const SyscallStopInfo& info, const Verdict& v,
                        bool seccomp_stop, const std::vector<PathArg>& paths) {
  const pid_t tid = t.tid;
  if ((v.action == Action::allow || v.action == Action::log) && opts_.use_seccomp && t.proc &&
      is_seccomp_call(info.call)) {
    ++t.proc->seccomp_running;  // until its exit stop (restart() asks for it)
    t.exit_phase = phase::SeccompRunning{};
  }
  if ((v.action == Action::allow || v.action == Action::log) && t.proc &&
      installs_own_filter(info.call))
    t.proc->own_filters = true;
  switch (v.action) {
    case Action::allow: break;
    case Action::log: log_event(t, info.call, v, paths); break;
    case Action::deny:
      skip_syscall(tid);
      if (seccomp_stop) {
        // The kernel skips nr -1 without touching rax: the result can be written now.
        set_return_value(tid, -v.err);
      } else {
        t.exit_phase = phase::AwaitingReturn{-v.err, info.call.nr};
      }
      if (!t.quiet) log_event(t, info.call, v, paths);
      break;
    case Action::kill:
      skip_syscall(tid);
      log_event(t, info.call, v, paths);
      kill(t.proc ? t.proc->tgid : tid, SIGKILL);
      break;
  }
  t.hint.clear();
  t.quiet = false;
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
  } else if (const auto* r = std::get_if<phase::AwaitingReturn>(&done)) {
    if (info.rval != -ENOSYS) {
      // Something ran although we skipped it (another tracer, a seccomp filter rewriting the
      // number?): the denial did not hold. Say so loudly; still return our result to the caller.
      opts_.log->error(fmt::format(
          "pid {}: skipped {} returned {} instead of -ENOSYS: the kernel may have run it", t.tid,
          syscall_name(Abi::x86_64, r->skipped_nr), info.rval));
    }
    set_return_value(t.tid, r->value);
  }
}

}  // namespace xpledge::engine
