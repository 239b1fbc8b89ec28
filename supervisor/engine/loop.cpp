// The loop: wait for a stop, classify it, dispatch it to its handler, restart the tracee. The
// handlers say how the stop ends (restart.hpp); restart() here is the only place that restarts
// a tracee.
#include <sys/ptrace.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>
#include <fmt/format.h>

#include "engine.hpp"

namespace xpledge::engine {

void Tracer::loop() {
  for (;;) {
    int status = 0;
    const pid_t tid = waitpid(-1, &status, __WALL);
    if (tid < 0) {
      if (errno == EINTR) continue;
      if (errno != ECHILD) opts_.log->error(fmt::format("waitpid: {}", std::strerror(errno)));
      return;
    }
    handle_batch(tid, status);
  }
}

// Every stop already waiting is collected before any is handled (run's loop and attach's).
// waitpid(-1) reports the most recently attached tracee first, so threads that stop again as
// soon as they are restarted (a loop of refused or path-checked calls) would otherwise starve an
// older thread for as long as they like: one program stalling its own threads through the
// supervisor. In a batch, each waiting thread is served once, in the kernel's order; nothing
// here waits for a particular thread, so a stop handled later is only a stop handled by a
// slower supervisor. `tid` and `status`: the stop that started the batch.
void Tracer::handle_batch(pid_t tid, int status) {
  constexpr std::size_t kBatch = 64;
  ready_.assign(1, {tid, status});
  while (ready_.size() < kBatch) {
    const pid_t more = waitpid(-1, &status, __WALL | WNOHANG);
    if (more <= 0) break;
    ready_.emplace_back(more, status);
  }
  for (const auto& [who, how] : ready_) handle(who, how);
}

void Tracer::handle(pid_t tid, int status) {
  restart(tid, dispatch(tid, status));
  if (join_spawn_helper_) {
    join_spawn_helper_ = false;
    end_spawn_helper();  // before any other stop is handled (on_exec)
  }
  wake_released();
}

Restart Tracer::dispatch(pid_t tid, int status) {
  auto it = threads_.find(tid);
  if (it == threads_.end()) {
    if (!WIFSTOPPED(status)) {
      if (tid == main_pid_) on_gone(tid, classify_stop(status, false));
      return kGone;  // a thread that died unnoticed (e.g. swept away by another thread's execve)
    }
    it = threads_.find(adopt(tid).tid);
  }
  ThreadState& t = it->second;
  const Stop stop = classify_stop(status, t.awaiting_initial_stop);
  switch (stop.kind) {
    case StopKind::exited:
    case StopKind::killed: on_gone(tid, stop); return kGone;
    case StopKind::syscall: return on_syscall(t, false);
    case StopKind::seccomp: return on_syscall(t, true);
    case StopKind::fork:
    case StopKind::vfork:
    case StopKind::clone: return on_new_child(t);
    case StopKind::exec: return on_exec(t);
    case StopKind::other_event:
    case StopKind::interrupt_stop: return kResume;
    case StopKind::initial_stop:
      t.awaiting_initial_stop = false;
      put_back_creator_args(t);  // before it runs: its creator's registers as the program set them
      if (t.embryo) {
        // Held until the parent's event says whose child it is. Its parent may have been
        // killed, and reaped, before this first stop of the child came: then nothing else
        // would ever look at it again. The common case, a parent we still trace, needs no scan.
        if (!parent_traced(t.tid)) reap_orphan_embryos();
        return kHold;
      }
      return kResume;
    case StopKind::group_stop:
      // Stay stopped (job control works) but let the kernel wake it on SIGCONT.
      return kListen;
    case StopKind::signal_delivery:
      note_interrupted_call(t);
      return resume_with(stop.signal);
  }
  return kResume;
}

void Tracer::restart(pid_t tid, Restart r) {
  switch (r.kind) {
    case Restart::Kind::hold:
    case Restart::Kind::gone: return;
    case Restart::Kind::listen: ptrace(PTRACE_LISTEN, tid, nullptr, nullptr); return;
    case Restart::Kind::resume: break;
  }
  // With the pre-filter only seccomp stops are needed, so PTRACE_CONT; a deny at a
  // syscall-entry stop (pure-ptrace mode) needs the exit stop to write the result.
  const auto it = threads_.find(tid);
  const bool need_exit =
      it != threads_.end() &&
      (!in_phase<phase::Running>(it->second.exit_phase) || it->second.exec_filter ||
       it->second.nest || it->second.own_args);
  const auto req = opts_.use_seccomp && !need_exit ? PTRACE_CONT : PTRACE_SYSCALL;
  ptrace(req, tid, nullptr, reinterpret_cast<void*>(static_cast<long>(r.signal)));
}

// Threads held at an earlier stop that this one released: a parked call, decided now that its
// process's filter traffic is over; an embryo whose parent's event came.
//
// They are decided and restarted after the stop's own thread was restarted (the order changed
// with Restart, issue 18). Why that is safe: that thread running again cannot make us decide
// anything before these are done, since its next stop is read by the loop's next waitpid(),
// after this returns; whatever it starts in the kernel meanwhile stops first where it matters
// (seccomp() is guarded, so it stops in both modes, as xpledge() does, and is parked again if a
// released thread's decision injected a filter: filter_injector is set before we look at its
// stop). What it may do unseen
// is what any sibling may do while another thread's call is decided: write the parked caller's
// memory (the paths are read, then pinned, at the decision), or make the process exec, after
// which a parked thread has vanished (ESRCH: kGone) or belongs to another ProcessState
// (skipped below). An embryo resumed later than its parent only starts later.
void Tracer::wake_released() {
  while (!released_.empty()) {
    const Released w = released_.front();
    released_.erase(released_.begin());
    auto it = threads_.find(w.tid);
    if (it == threads_.end() || it->second.proc != w.proc) continue;  // gone meanwhile
    restart(w.tid, w.parked ? on_syscall(it->second, it->second.parked_at_seccomp_stop)
                            : kResume);
  }
}

}  // namespace xpledge::engine
