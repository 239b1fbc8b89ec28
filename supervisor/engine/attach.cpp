// xpledge attach: supervise a process that is already running.
//
// PTRACE_SEIZE every thread of the process (/proc/PID/task), then the same handle()/dispatch as
// `run`, in pure-ptrace mode: a seccomp pre-filter (and the Landlock domain) can only be
// installed by the process itself, before it runs untrusted code; loading one into a running
// process would mean injecting a seccomp() call into it, which attach does not do. Forks,
// clones and execs are followed as in `run`, but without PTRACE_O_EXITKILL: the process must
// survive a detach. SIGINT, SIGTERM or SIGHUP to xpledge detach from every thread and leave the
// process running; a thread inside a decided call gets its result first.

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

#include "engine.hpp"
#include "proc_facts.hpp"
#include "call_kinds.hpp"
#include "signals.hpp"

namespace xpledge::engine {

namespace {

constexpr long kAttachOptions = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK |
                                PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC;
constexpr int kDetachSignals[] = {SIGINT, SIGTERM, SIGHUP};
// How long a detach waits for every thread to reach a stop; then we exit anyway and the kernel
// detaches what is left (a call denied at entry would then return ENOSYS, not its errno).
constexpr auto kDetachTimeout = std::chrono::seconds(5);

std::vector<pid_t> list_tasks(pid_t tgid) {
  std::vector<pid_t> out;
  const auto tasks = proc_numbers("/proc/" + std::to_string(tgid) + "/task");
  for (const long v : tasks.value_or(std::vector<long>{}))
    if (v > 0) out.push_back(static_cast<pid_t>(v));
  // The leader first: its error is the one worth reporting.
  std::stable_partition(out.begin(), out.end(), [tgid](pid_t t) { return t == tgid; });
  return out;
}

// Why PTRACE_SEIZE of `tid` failed with EPERM, as far as we can tell from here.
std::string seize_hint(pid_t tid, int err) {
  if (err != EPERM) return "";
  std::vector<std::string> why;
  if (const long tracer = status_field(tid, "TracerPid:"); tracer > 0)
    why.push_back(fmt::format("it is already traced by pid {}", tracer));
  const uid_t me = geteuid();
  if (const long uid = status_field(tid, "Uid:"); uid >= 0 && me != 0 && uid != me)
    why.push_back(fmt::format("it belongs to uid {}, xpledge runs as uid {}", uid, me));
  int scope = 0;
  std::ifstream("/proc/sys/kernel/yama/ptrace_scope") >> scope;
  if (scope == 1 && me != 0)
    why.push_back("Yama ptrace_scope is 1: only ancestors may attach without CAP_SYS_PTRACE "
                  "(run as root, or sysctl kernel.yama.ptrace_scope=0)");
  else if (scope == 2)
    why.push_back("Yama ptrace_scope is 2: attaching needs CAP_SYS_PTRACE");
  else if (scope >= 3)
    why.push_back("Yama ptrace_scope is 3: no process may be attached to");
  if (why.empty())
    why.push_back("a different user, a non-dumpable (setuid) process, a container without "
                  "CAP_SYS_PTRACE, or an LSM");
  std::string out;
  for (const auto& w : why) out += (out.empty() ? " (" : "; ") + w;
  return out + ")";
}

// A detach signal that is pending (blocked since attach started), consumed; 0 if none.
int take_detach_signal() {
  sigset_t pending;
  if (sigpending(&pending) != 0) return 0;
  for (int sig : kDetachSignals) {
    if (!sigismember(&pending, sig)) continue;
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, sig);
    const timespec now{0, 0};
    if (sigtimedwait(&one, nullptr, &now) == sig) return sig;
  }
  return 0;
}

}  // namespace

RunResult Tracer::attach(pid_t pid) {
  const pid_t tgid = pid > 0 ? read_tgid(pid) : 0;
  if (tgid == 0) return {RunResult::Kind::spawn_failed, 0,
                         fmt::format("cannot attach to {}: no such process", pid)};
  if (tgid == self_pid_) return {RunResult::Kind::spawn_failed, 0,
                                 fmt::format("cannot attach to {}: that is xpledge itself", pid)};
  if (tgid != pid)
    opts_.log->info(fmt::format("{} is a thread of process {}: attaching to the process", pid,
                                tgid));

  // SIGCHLD (a tracee stopped or exited) and the detach signals are blocked and taken with
  // sigtimedwait, so a detach request is never lost between two checks. What a tracee might send
  // to end us is dropped, as in `run`.
  sigset_t blocked, saved;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGCHLD);
  for (int sig : kDetachSignals) sigaddset(&blocked, sig);
  sigprocmask(SIG_BLOCK, &blocked, &saved);
  note_inherited_ignored();
  drop_tracee_signals();

  auto proc = std::make_shared<ProcessState>();
  proc->own_filters = true;  // attached: whatever filters it installed before us
  proc->tgid = tgid;
  main_pid_ = tgid;
  std::string error;
  if (seize_threads(proc, error)) {
    prctl(PR_SET_DUMPABLE, 0);  // as in spawn(): the tracee cannot ptrace us back
    opts_.log->info(fmt::format("attached to pid {} ({} thread{}); every call stops (no seccomp "
                                "pre-filter in a running process)", tgid, threads_.size(),
                                threads_.size() == 1 ? "" : "s"));
    attach_loop();
    if (result_.kind == RunResult::Kind::spawn_failed && result_.error.empty())
      result_.error = fmt::format("lost track of process {}: no exit status", tgid);
  } else {
    detach_all(0);  // the threads seized before the one that failed
    result_ = {RunResult::Kind::spawn_failed, 0, error};
  }
  while (take_detach_signal() != 0) {}  // a second Ctrl-C during the detach must not kill us
  sigprocmask(SIG_SETMASK, &saved, nullptr);
  return result_;
}

bool Tracer::seize_threads(const std::shared_ptr<ProcessState>& proc, std::string& error) {
  // A thread not yet seized can create more: scan until a pass finds nothing new. Threads that
  // seized ones create are attached by the kernel and report themselves (adopt()).
  for (bool found = true; found;) {
    found = false;
    const std::vector<pid_t> tasks = list_tasks(proc->tgid);
    if (tasks.empty() && threads_.empty()) {
      error = fmt::format("cannot attach to {}: no such process", proc->tgid);
      return false;
    }
    for (const pid_t tid : tasks) {
      if (threads_.count(tid)) continue;
      if (ptrace(PTRACE_SEIZE, tid, nullptr, reinterpret_cast<void*>(kAttachOptions)) != 0) {
        const int err = errno;
        if (err == ESRCH) continue;  // exited meanwhile
        if (err == EPERM && status_field(tid, "TracerPid:") == self_pid_) continue;  // a clone
        error = fmt::format("cannot attach to {}{}: ptrace(PTRACE_SEIZE): {}{}", proc->tgid,
                            tid == proc->tgid ? "" : fmt::format(" (thread {})", tid),
                            std::strerror(err), seize_hint(tid, err));
        return false;
      }
      threads_[tid] = new_thread(tid, proc);
      found = true;
      // A seized thread runs on without syscall stops until it is restarted from a stop:
      // dispatch()'s interrupt_stop restarts it with PTRACE_SYSCALL (use_seccomp is false).
      ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr);
    }
  }
  return true;
}

void Tracer::attach_loop() {
  sigset_t wake;
  sigemptyset(&wake);
  sigaddset(&wake, SIGCHLD);
  for (int sig : kDetachSignals) sigaddset(&wake, sig);
  for (;;) {
    if (const int sig = take_detach_signal()) {
      detach_all(sig);
      return;
    }
    int status = 0;
    const pid_t tid = waitpid(-1, &status, __WALL | WNOHANG);
    if (tid > 0) {
      handle_batch(tid, status);  // every waiting thread once, as run's loop (loop.cpp)
      continue;
    }
    if (tid < 0) {
      if (errno == EINTR) continue;
      if (errno != ECHILD) opts_.log->error(fmt::format("waitpid: {}", std::strerror(errno)));
      return;  // ECHILD: nothing traced is left
    }
    // Nothing to handle: sleep until a tracee stops or a detach is asked for. The timeout is a
    // safety net only; every ptrace stop and exit sends SIGCHLD.
    const timespec tick{1, 0};
    const int sig = sigtimedwait(&wake, nullptr, &tick);
    if (sig > 0 && sig != SIGCHLD) {
      detach_all(sig);
      return;
    }
  }
}

void Tracer::detach_all(int why) {
  if (why != 0)
    opts_.log->info(fmt::format("SIG{}: detaching from pid {}", sigabbrev_np(why), main_pid_));
  if (why != 0) result_ = {RunResult::Kind::detached, 0, {}};
  // PTRACE_DETACH needs a stopped thread. Held embryos are stopped already; every other one is
  // brought to a stop with PTRACE_INTERRUPT, and finish_and_detach() lets it go from there.
  std::unordered_set<pid_t> waiting, detached_early;
  for (auto it = threads_.begin(); it != threads_.end();) {
    const pid_t tid = it->first;
    if (it->second.embryo && !it->second.awaiting_initial_stop) {
      ptrace(PTRACE_DETACH, tid, nullptr, nullptr);
      detached_early.insert(tid);
      it = threads_.erase(it);
      continue;
    }
    if (ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr) == 0) waiting.insert(tid);
    ++it;
  }
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  const auto deadline = std::chrono::steady_clock::now() + kDetachTimeout;
  while (!waiting.empty()) {
    int status = 0;
    const pid_t tid = waitpid(-1, &status, __WALL | WNOHANG);
    if (tid < 0 && errno == EINTR) continue;
    if (tid < 0) break;  // ECHILD: nothing traced is left
    if (tid > 0) {
      finish_and_detach(tid, status, waiting, detached_early);
      continue;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      opts_.log->error(fmt::format("{} thread{} of pid {} did not stop within {}s; exiting "
                                   "anyway (the kernel detaches them)", waiting.size(),
                                   waiting.size() == 1 ? "" : "s", main_pid_,
                                   kDetachTimeout.count()));
      break;
    }
    const timespec tick{0, 100'000'000};
    sigtimedwait(&chld, nullptr, &tick);
  }
  threads_.clear();
  released_.clear();  // parked calls: nothing parks in attach's pure-ptrace mode anyway
}

void Tracer::finish_and_detach(pid_t tid, int status, std::unordered_set<pid_t>& waiting,
                               std::unordered_set<pid_t>& detached_early) {
  waiting.erase(tid);
  if (!WIFSTOPPED(status)) {
    // Gone meanwhile. If it was the process itself, report its status rather than a detach.
    if (tid == main_pid_) on_gone(tid, classify_stop(status, false));
    threads_.erase(tid);
    return;
  }
  const auto it = threads_.find(tid);
  if (it == threads_.end()) {
    // A new child's first stop, before its parent's fork event: let it go; the event will
    // name it.
    ptrace(PTRACE_DETACH, tid, nullptr, nullptr);
    detached_early.insert(tid);
    return;
  }
  ThreadState& t = it->second;
  // Not dispatch(): leaving, each event needs only what keeps the process whole once we are
  // gone. A call's exit completes through on_syscall_exit, the same code as in the loop.
  const Stop stop = classify_stop(status, t.awaiting_initial_stop);
  int sig = 0;
  switch (stop.kind) {
    case StopKind::syscall:
    case StopKind::seccomp: {
      // At an exit stop, a call decided at its entry (a deny) gets its result first, exactly as
      // if we stayed. At an entry stop nothing was decided: the call runs natively.
      SyscallStopInfo info;
      if (get_syscall_info(tid, info) && info.op == SyscallOp::exit) on_syscall_exit(t, info);
      break;
    }
    case StopKind::fork:
    case StopKind::vfork:
    case StopKind::clone: {
      // The child is traced too and will stop: wait for it, unless it already did.
      if (const pid_t child = reported_child(tid); child != 0 && !detached_early.erase(child))
        waiting.insert(child);
      break;
    }
    case StopKind::exec: {
      // Every other thread of the process is gone; the execing one now has this tid.
      for (const pid_t gone : sweep_exec_siblings(tid, t.proc)) waiting.erase(gone);
      break;
    }
    case StopKind::signal_delivery: sig = stop.signal; break;  // deliver it, as we would have
    default: break;  // initial, interrupt, group stop (it stays stopped after the detach)
  }
  ptrace(PTRACE_DETACH, tid, nullptr, reinterpret_cast<void*>(static_cast<long>(sig)));
  threads_.erase(tid);
}

}  // namespace xpledge::engine
