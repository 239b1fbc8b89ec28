// Reporting: the audit record of a decided call, and what observers (learn, --stats) are told.

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

#include "engine.hpp"
#include "proc_facts.hpp"
#include "call_kinds.hpp"

namespace xpledge::engine {

void Tracer::notify(const ThreadState& t, const Syscall& call, const CallName& named,
                    const Verdict& v, const Verdict& done, const std::vector<PathArg>& paths) {
  if (opts_.observers.empty()) return;
  CallRecord r;
  r.pid = t.proc->tgid;
  r.tid = t.tid;
  r.call = call;
  r.name = &named.name();
  r.paths = paths;
  r.action = v.action;
  r.err = v.err;
  r.rule = v.rule;
  r.would_deny = opts_.permissive && (v.action == Action::deny || v.action == Action::kill);
  r.done = done.action;
  r.done_err = done.err;
  r.done_rule = done.rule;
  for (CallObserver* o : opts_.observers) {
    if (o->wants_comm() && r.comm.empty()) {
      r.comm = read_comm(t.tid);
      char buf[4096];
      const std::string link = "/proc/" + std::to_string(t.tid) + "/exe";
      const ssize_t n = readlink(link.c_str(), buf, sizeof buf - 1);
      if (n > 0) r.exe.assign(buf, static_cast<std::size_t>(n));
    }
    o->on_call(r);
  }
}

// A number this build does not name (policy rule `unknown`): answered ENOSYS like any denial,
// but logged once per number per run with a warning instead of a record per call: a program
// probing for a newer kernel's call may retry it in a loop.
void Tracer::warn_unknown_once(const ThreadState& t, const StopFacts& f, Outcome& o) {
  // A tracee walking through millions of numbers must not grow our memory: past the cap, a new
  // number gets the ordinary record per call.
  constexpr std::size_t kMaxUnknownSeen = 1024;
  const Syscall& call = f.call();
  const auto key = std::make_pair(call.abi, call.nr);
  if (!unknown_seen_.contains(key) && unknown_seen_.size() >= kMaxUnknownSeen) return;
  o.quiet = !opts_.permissive;  // permissive runs record every call they let through
  if (!unknown_seen_.insert(key).second) return;
  const pid_t tid = t.tid;
  const std::string text = decode_call(
      call, f.name(), f.sig(), [tid](std::uint64_t addr) { return read_string(tid, addr, 4096); });
  opts_.log->warn(fmt::format(
      "pid {} comm={}: {} = -1 ENOSYS: not a system call this build knows (libseccomp {} + "
      "Linux {} tables); logged once per number (policy `unknown: allow` lets such calls run)",
      tid, read_comm(tid), text, libseccomp_version(), syscall_tables_release()));
}

// The one place that says which outcomes leave a record: a refusal (unless quiet: the kernel's
// own answer, a guard's silent one, an unknown number already warned of), a kill, a `log`
// rule's call, and under --permissive a refusal let through (`let_through`). An allowed call
// leaves none.
void Tracer::report(const ThreadState& t, const StopFacts& f, const Outcome& o,
                    bool let_through) {
  const Action a = o.verdict.action;
  if (a == Action::allow || (a == Action::deny && o.quiet && !let_through)) return;
  log_event(t, f, o.verdict, o.hint, let_through);
}

void Tracer::log_event(const ThreadState& t, const StopFacts& f, const Verdict& v,
                       const std::string& hint, bool permissive) {
  AuditEvent ev;
  ev.permissive = permissive;
  ev.action = v.action;
  ev.syscall = f.name();
  if (!opts_.log->admit(ev)) return;  // rate-limited: nothing more to read or format
  const Syscall& call = f.call();
  ev.tid = t.tid;
  ev.pid = t.proc ? t.proc->tgid : t.tid;
  ev.comm = read_comm(t.tid);
  ev.abi = call.abi;
  ev.nr = call.nr;
  const pid_t tid = t.tid;
  const BytesReader bytes = [tid](std::uint64_t addr, void* buf, std::size_t len) {
    return read_bytes(tid, addr, buf, len);
  };
  ev.call_text = decode_call(
      call, f.name(), f.sig(), [tid](std::uint64_t addr) { return read_string(tid, addr, 4096); },
      bytes);
  if (opts_.log->wants_sockaddr()) ev.sockaddr = call_sockaddr(call, f.sig(), bytes);
  // Paths are resolved at the stop only when a rule or an observer needs them; a record names
  // them whatever decided (a call denied by name: renameat2, utimensat, symlinkat...).
  const std::vector<PathArg> resolved =
      f.paths.empty() ? resolve_path_args(tid, call, f.sig(), {}) : std::vector<PathArg>{};
  for (const auto& p : f.paths.empty() ? resolved : f.paths)
    if (!p.err) ev.paths.push_back(p.path);
  if (f.sock_path && !f.sock_path->err) ev.paths.push_back(f.sock_path->path);
  ev.err = v.err;
  ev.rule = v.rule ? v.rule->describe() : "?";
  ev.hint = hint;
  opts_.log->record(ev);
}

}  // namespace xpledge::engine
