// SYS_xunveil (10001): the process's unveil table (rules/unveil.hpp), with OpenBSD's semantics
// in both engine modes. In seccomp mode the pre-filter lets most path calls run unseen, so the
// first call that hides anything stacks the unveil filter (bpf/prefilter.hpp) into every thread
// of the process first (TSYNC), the way xpledge() stacks a pledge filter: from then on every
// path call stops here and is judged against the table, as with --no-seccomp.
#include <sys/types.h>

#include <csignal>
#include <cerrno>
#include <fmt/format.h>
#include <optional>
#include <string>

#include "prefilter.hpp"
#include "promises.hpp"
#include "regs.hpp"
#include "syscalls.hpp"
#include "tracee_mem.hpp"
#include "unveil.hpp"

#include "effects.hpp"
#include "engine.hpp"
#include "path_resolve.hpp"
#include "proc_facts.hpp"
#include "ring_fds.hpp"

namespace xpledge::engine {

namespace {

const RuleRef kXunveil{"xunveil", 0, {}};

// The call's two arguments as OpenBSD reads them: the path (resolved as policy path rules see
// it: through chdir's signature, relative to the cwd) and the permission letters. 0 or errno.
int read_unveil_args(pid_t tid, const SyscallStopInfo& info, std::optional<std::string>& path,
                     std::optional<std::string>& permissions) {
  if (info.call.args[0] != 0) {
    const Syscall as_chdir{Abi::x86_64, syscall_nr(Abi::x86_64, "chdir").value_or(-1),
                           {info.call.args[0], 0, 0, 0, 0, 0}};
    const auto resolved = resolve_path_args(tid, as_chdir);
    if (resolved.size() != 1) return EFAULT;
    if (resolved[0].err) return resolved[0].err;
    path = resolved[0].path;
  }
  if (info.call.args[1] != 0) {
    const StringRead s = read_string(tid, info.call.args[1], 16);
    if (s.err) return s.err == ENAMETOOLONG ? EINVAL : s.err;
    permissions = s.value;
  }
  return 0;
}

}  // namespace

Restart Tracer::on_xunveil(ThreadState& t, const SyscallStopInfo& info, bool seccomp_stop) {
  // OpenBSD: unveil needs the `unveil` promise once pledged, and a pledge without it locks.
  const auto& pledged = t.proc->pledge.promises;
  const auto unveil_promise = catalogue().find("unveil");
  if (pledged && (!unveil_promise || !pledged->has(*unveil_promise))) {
    t.proc->unveil.locked = true;
    return enforce(t, StopFacts(info, seccomp_stop),
                   Outcome{Verdict{Action::deny, EPERM, &kXunveil}, "pledged without unveil"});
  }
  std::optional<std::string> path, permissions;
  const int err = read_unveil_args(t.tid, info, path, permissions);
  UnveilState next = t.proc->unveil;  // a failed call changes nothing
  UnveilOutcome out;
  if (!err) out = apply_unveil(next, path, permissions);
  if (err || out.err) {
    return enforce(t, StopFacts(info, seccomp_stop),
                   Outcome{Verdict{Action::deny, err ? err : out.err, &kXunveil}, out.detail});
  }
  if (next.active) {  // a ring reaches files with no call to check (ring_fds.hpp)
    if (const std::string ring = ring_held(t.proc->tgid); !ring.empty())
      return enforce(t, StopFacts(info, seccomp_stop),
                     Outcome{Verdict{Action::deny, EBUSY, &kXunveil}, "io_uring held: " + ring});
  }
  opts_.log->info(fmt::format("pid {} unveiled {} {}", t.proc->tgid,
                              path ? *path : std::string("(lock)"),
                              permissions ? "\"" + *permissions + "\"" : std::string()));
  // Every stop already sees the path calls (--no-seccomp), the table hides nothing yet (a lock
  // alone), or our unveil filter is in the kernel already (an earlier call, or an image before
  // the exec: the filter stays): the table is the whole answer.
  if (!opts_.use_seccomp || !next.active || t.proc->unveil_filter_count > 0)
    return commit_unveil(t, std::move(next), seccomp_stop);
  static std::string build_error;
  static const std::vector<unsigned char> prog = build_unveil_filter(build_error);
  std::string why = build_error;
  if (!prog.empty()) {
    phase::AwaitingFilter f;
    f.unveil = std::move(next);
    // attaching: the call restarts and comes back; ready: the table is committed at the exit
    // stop of the injected seccomp(), once the kernel really has the filter.
    if (stack_filter(t, prog, std::move(f), why) != Area::unavailable) return kResume;
  }
  opts_.log->error(fmt::format("pid {}: cannot install the unveil filter ({}): nothing is "
                               "unveiled, xunveil fails with ENOMEM", t.tid, why));
  effects::skip(t.tid);
  effects::set_return(t.tid, -ENOMEM);
  return kResume;
}

Restart Tracer::commit_unveil(ThreadState& t, UnveilState next, bool seccomp_stop) {
  t.proc->unveil = std::move(next);
  effects::skip(t.tid);
  if (seccomp_stop) effects::set_return(t.tid, 0);
  else t.exit_phase = phase::AwaitingReturn{0, Abi::x86_64, kSysXunveil};  // pure-ptrace mode
  return kResume;
}

// The exit stop of the injected unveil filter. Installed: every thread of the process has it
// (TSYNC), so a path call any of them starts from now on stops; the table is committed before
// xunveil() returns 0. Not installed: nothing changes and the call fails.
void Tracer::on_unveil_filter_injected(ThreadState& t, const SyscallStopInfo& info,
                                       const phase::AwaitingFilter& f, bool installed,
                                       long after) {
  ProcessState& proc = *t.proc;
  if (installed) {
    ++proc.our_filters;
    proc.unveil_filter_count = after;
    proc.unveil = *f.unveil;
  } else {
    opts_.log->error(fmt::format("pid {}: the unveil filter was not installed (seccomp returned "
                                 "{}, filters {} -> {}): nothing unveiled, xunveil fails with "
                                 "ENOMEM", t.tid, info.rval, f.filters_before, after));
  }
  effects::restore(t.tid, f.regs, installed ? 0 : -ENOMEM);
}

// A new process (fork, vfork, clone without CLONE_THREAD) copies its parent's table, and the
// kernel copies the filters of the thread that forked, as they were at that moment. A child that
// forked just before the parent's first xunveil() stacked the unveil filter lacks it, while the
// table it copied (the fork event can be reported after the commit) already hides paths that
// its calls would now open unseen: such a child forked before the unveil, and keeps the view it
// had then, nothing unveiled (the first call is the only one that stacks the filter, and the
// table cannot have been active before it). rules/unveil.hpp child_unveil_view decides.
void Tracer::inherit_unveil_view(const ProcessState& parent_proc, pid_t parent_tid,
                                 ProcessState& child) {
  if (parent_proc.unveil_filter_count == 0) return;
  const long count = status_field(child.tgid, "Seccomp_filters:");
  const long forker = parent_proc.own_filters ? status_field(parent_tid, "Seccomp_filters:") : -1;
  const ChildUnveil view = child_unveil_view(parent_proc.unveil_filter_count, count, forker,
                                             parent_proc.own_filters);
  if (view == ChildUnveil::copy) return;
  if (view == ChildUnveil::unknown) {
    opts_.log->error(fmt::format("pid {}: cannot tell whether its child {} has the unveil filter "
                                 "(filters {}, its own {}): the child is killed",
                                 parent_tid, child.tgid, count, forker));
    kill(child.tgid, SIGKILL);
    return;
  }
  opts_.log->info(fmt::format("pid {}: forked before the unveil filter was installed: nothing "
                              "unveiled", child.tgid));
  child.unveil = UnveilState{};
  child.unveil_filter_count = 0;
}

}  // namespace xpledge::engine
