// The thread and process table: new children, embryos, threads that are gone.

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
#include <optional>
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

#include "engine.hpp"
#include "proc_facts.hpp"
#include "call_kinds.hpp"
#include "signals.hpp"

namespace xpledge::engine {

ThreadState& Tracer::adopt(pid_t tid) {
  // A tid we have not heard of: a child reporting before its parent's fork/clone event. A thread
  // joins its (known) process at once; a new process waits for the parent's event to inherit.
  ThreadState t = new_thread(tid, nullptr);
  const pid_t tgid = read_tgid(tid);
  if (tgid != 0 && tgid != tid) {
    if (auto it = threads_.find(tgid); it != threads_.end()) t.proc = it->second.proc;
  }
  t.embryo = t.proc == nullptr;
  t.awaiting_initial_stop = true;
  return threads_[tid] = std::move(t);
}

// The new task a fork, vfork or clone event reports; 0 if none (it vanished).
pid_t reported_child(pid_t parent) {
  unsigned long msg = 0;
  if (ptrace(PTRACE_GETEVENTMSG, parent, nullptr, &msg) != 0) return 0;
  return static_cast<pid_t>(msg);
}

// An exec event of `tid`: every other thread of its process is gone, with no exit event to
// come. Returns them.
std::vector<pid_t> Tracer::sweep_exec_siblings(pid_t tid,
                                               const std::shared_ptr<ProcessState>& proc) {
  std::vector<pid_t> swept;
  for (auto it = threads_.begin(); it != threads_.end();) {
    if (it->first != tid && proc && it->second.proc == proc) {
      release_tid(it->first);
      swept.push_back(it->first);
      it = threads_.erase(it);
    } else {
      ++it;
    }
  }
  return swept;
}

Restart Tracer::on_new_child(ThreadState& parent) {
  const pid_t parent_tid = parent.tid;
  if (const pid_t child = reported_child(parent_tid); child != 0) {
    forget_tracee_memory(child);  // a reused tid: nothing kept for its last owner is its
    const pid_t tgid = new_task_tgid(child, parent.proc->tgid);
    if (tgid <= 0) {
      // Thread or process? Without the answer the child would start with the wrong state (a
      // narrowed process's thread as an unpledged process): it does not start at all. (A tracee
      // once made /proc unreadable to us by lowering our RLIMIT_NOFILE with prlimit64.)
      opts_.log->error(fmt::format("pid {}: cannot read the thread group of its new child {}: "
                                   "the child is killed", parent_tid, child));
      kill(child, SIGKILL);
      return kResume;
    }
    std::shared_ptr<ProcessState> proc = parent.proc;
    if (tgid != parent.proc->tgid) {
      // A new process inherits its parent's state (pledge promises), as a copy; its address
      // space is its parent's (CLONE_VM) or a copy to be verified.
      proc = std::make_shared<ProcessState>(*parent.proc);
      proc->tgid = child;
      // What other threads of the parent are doing is not the child's: it has one thread.
      proc->forget_other_threads();
      inherit_unveil_view(*parent.proc, parent_tid, *proc);
      if (!shares_address_space(parent.proc->tgid, child)) {
        proc->mm = std::make_shared<AddressSpace>();
        if (parent.proc->mm->scratch != AddressSpace::Scratch::absent)
          proc->mm->scratch = AddressSpace::Scratch::inherited;
      }
    }
    auto it = threads_.find(child);
    // The kernel copies the creator's Landlock domain to the new task.
    const int nest_level = parent.nest_level;
    // The registers the kernel copied may hold our rewrites of the creator's call.
    if (it != threads_.end() && it->second.embryo) {
      it->second.nest_level = nest_level;
      it->second.creator_args = parent.own_args;
      if (!it->second.awaiting_initial_stop) put_back_creator_args(it->second);  // held: stopped
      release_embryo(it->second, proc);
    } else if (it == threads_.end()) {
      ThreadState t = new_thread(child, proc);
      t.awaiting_initial_stop = true;
      t.nest_level = nest_level;
      t.creator_args = parent.own_args;
      threads_.emplace(child, std::move(t));
    }
  }
  return kResume;
}

void Tracer::release_embryo(ThreadState& t, const std::shared_ptr<ProcessState>& proc) {
  t.proc = proc;
  t.embryo = false;
  if (!t.awaiting_initial_stop) released_.push_back({t.tid, proc, false});  // it stopped: held
}

// A held embryo waits for its parent's fork event to learn whose state it inherits. The event
// never comes when the parent was killed between the kernel creating the child and reporting it
// (exit_group from a sibling thread): the child would be held, and we would wait, for ever. Such
// a child is killed, not released: with nobody to inherit from it could only start unpledged,
// and its parent may have been pledged. (Natively it would run on; its parent never learnt its
// pid.) An embryo is an orphan when no live tracee can have made it: its parent pid is none of
// ours (it was re-parented) and no live tracee is that pid's child (CLONE_PARENT). This is checked
// when an embryo is held (its parent may be reaped already) and whenever a tracee is gone.
void Tracer::reap_orphan_embryos() {
  std::vector<pid_t> embryos;
  for (const auto& [tid, t] : threads_)
    if (t.embryo && !t.orphan_killed) embryos.push_back(tid);
  if (embryos.empty()) return;  // every exit asks: the usual answer allocates nothing
  std::unordered_set<pid_t> live;  // thread groups that can still report a fork event
  for (const auto& [tid, t] : threads_)
    if (t.proc) live.insert(t.proc->tgid);  // an embryo has none
  // A CLONE_PARENT child names its creator's parent: a live tracee may be its creator when that
  // tracee's own parent is the embryo's. Read only when an embryo looks orphaned (rare).
  std::optional<std::unordered_set<long>> parents_of_live;
  const auto creator_may_live = [&](long ppid) {
    if (!parents_of_live) {
      parents_of_live.emplace();
      for (const pid_t tgid : live) parents_of_live->insert(status_field(tgid, "PPid:"));
    }
    return parents_of_live->contains(ppid);
  };
  for (const pid_t tid : embryos) {
    const long ppid = status_field(tid, "PPid:");
    if (ppid > 0 && (live.contains(static_cast<pid_t>(ppid)) || creator_may_live(ppid)))
      continue;  // its parent (or a CLONE_PARENT creator) may still report it
    opts_.log->warn(fmt::format("pid {}: its parent died before reporting it: killed", tid));
    threads_[tid].orphan_killed = true;
    kill(tid, SIGKILL);
  }
}

bool Tracer::parent_traced(pid_t tid) const {
  const long ppid = status_field(tid, "PPid:");
  const auto it = ppid > 0 ? threads_.find(static_cast<pid_t>(ppid)) : threads_.end();
  return it != threads_.end() && !it->second.embryo && it->second.proc;
}

void Tracer::on_gone(pid_t tid, const Stop& stop) {
  const bool was_embryo = [&] {
    const auto it = threads_.find(tid);
    return it != threads_.end() && it->second.embryo;
  }();
  if (const auto it = threads_.find(tid); it != threads_.end() && it->second.proc) {
    // Killed inside a seccomp() of its own or an injected one: the others need not wait.
    const auto proc = it->second.proc;
    if (in_phase<phase::SeccompRunning>(it->second.exit_phase)) --proc->seccomp_running;
    if (it->second.nest) --proc->nest_chains;
    if (proc->filter_injector == tid) proc->filter_injector = 0;
    threads_.erase(it);
    unpark(proc);
  }
  threads_.erase(tid);
  release_tid(tid);
  if (!was_embryo) reap_orphan_embryos();
  if (tid == main_pid_) {
    end_spawn_helper();  // a child that never ran its command released it too
    result_.kind = stop.kind == StopKind::exited ? RunResult::Kind::exited
                                                 : RunResult::Kind::signaled;
    result_.code = stop.kind == StopKind::exited ? stop.exit_code : stop.signal;
    forward_signals_to(0);
  }
}

bool Tracer::multithreaded(const std::shared_ptr<ProcessState>& proc) const {
  int n = 0;
  for (const auto& [tid, t] : threads_) n += t.proc == proc;
  return n > 1;
}

}  // namespace xpledge::engine
