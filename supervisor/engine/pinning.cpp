// Path pinning: allowed path calls read their paths from the read-only scratch area, as judged;
// what the kernel resolves by itself is checked again at the exit stop.

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

namespace {

// O_TRUNC of an open checked at its exit stop, done once its descriptor `fd` is the file judged
// (`judged`): through the program's own open file, taken with pidfd_getfd, so that no right but
// the program's is used (it was opened for writing). Only a regular file is truncated, as the
// kernel's O_TRUNC ignores FIFOs, terminals and devices. 0 or an errno.
int truncate_tracee_fd(pid_t tid, int fd, const std::optional<FileId>& judged) {
  constexpr unsigned kPidfdThread = O_EXCL;  // PIDFD_THREAD (Linux 6.9): this task's fd table
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, tid, kPidfdThread));
  if (pidfd < 0) pidfd = static_cast<int>(syscall(SYS_pidfd_open, tid, 0));  // a leader
  int file = -1;
  if (pidfd >= 0) {
    file = static_cast<int>(syscall(SYS_pidfd_getfd, pidfd, fd, 0));
    close(pidfd);
  }
  if (file < 0) return errno ? errno : EBADF;
  struct stat st {};
  int err = 0;
  if (fstat(file, &st) != 0)
    err = errno;
  else if (FileId{st.st_dev, st.st_ino} != judged)
    err = EBADF;  // another thread put another file at that number since the exit stop
  else if (S_ISREG(st.st_mode) && ftruncate(file, 0) != 0)
    err = errno;
  close(file);
  return err;
}

}  // namespace

// A signal about to be delivered may run a handler whose own path-checked call is pinned in this
// thread's slot: if it interrupted the thread's last pinned call, which the kernel may restart
// after the handler, keep that call's bytes to put back when it comes again.
void Tracer::note_interrupted_call(ThreadState& t) {
  constexpr std::size_t kMaxRestartable = 8;  // nested handlers, each interrupting a pinned call
  if (!t.last_pinned) return;
  const auto c = interrupted_restartable_call(t.tid);
  if (!c || c->nr != t.last_pinned->call.nr || c->args != t.last_pinned->call.args) return;
  if (const auto& o = t.last_pinned->rewritten_from) {
    // An open we made an openat2: the kernel restarts what the registers say, so they say the
    // program's own call again, which is judged (and rewritten) afresh when it comes back.
    SavedRegs regs;
    if (!save_regs(t.tid, regs) ||
        !effects::inject(t.tid, regs, o->nr, {o->args[0], o->args[1], o->args[2], o->args[3]}))
      kill(t.proc ? t.proc->tgid : t.tid, SIGKILL);  // cannot leave it half-rewritten
    return;
  }
  if (t.restartable.size() >= kMaxRestartable) t.restartable.erase(t.restartable.begin());
  t.restartable.push_back(*t.last_pinned);
}

// Before the first register of the program's call `call` is changed at this stop: its own
// registers, put back at the exit stop (put_back_own_args; a refusal puts them back at once,
// enforce). A program may rely on its argument registers after the call (the kernel keeps
// them), and a call the kernel restarts must be the program's own, judged afresh. False: they
// could not be read, and nothing may be changed.
bool Tracer::keep_own_args(ThreadState& t, const Syscall& call) {
  if (t.own_args && t.own_args->call.nr == call.nr && t.own_args->call.args == call.args)
    return true;  // this call's, already kept (a path and an address, a rewritten open)
  static const CallNumbers kExecve("execve"), kExecveat("execveat");
  phase::OwnArgs own{{}, call.abi, call, call.nr, kExecve.is(call) || kExecveat.is(call)};
  if (!save_regs(t.tid, own.regs)) return false;
  t.own_args = std::move(own);
  return true;
}

// The one way to point an argument of the program's call at a pinned copy (paths, socket
// addresses, clone3's struct): its own value comes back at the exit stop.
bool Tracer::repoint_arg(ThreadState& t, const Syscall& call, int index, std::uint64_t value) {
  return keep_own_args(t, call) && effects::set_arg(t.tid, call.abi, index, value);
}

void Tracer::put_back_own_args(ThreadState& t, const SyscallStopInfo& info) {
  const phase::OwnArgs own = *std::exchange(t.own_args, std::nullopt);
  if (own.exec && info.rval == 0) return;  // a new image, whose registers are its own
  if (!effects::restore_args(t.tid, own.regs, own.abi, own.nr_at_exit))
    opts_.log->info(fmt::format("pid {}: not at the exit of the call it repointed ({}): its "
                                "argument registers are left as they are",
                                t.tid, syscall_name(own.abi, own.call.nr)));
}

// A clone's or clone3's child starts with its creator's registers as the kernel had them: clone's
// flags without CLONE_UNTRACED, clone3's struct pointer into the scratch area. At the child's
// first stop (before it runs) it gets the program's own argument registers, as its creator does
// at the call's exit stop; rax (0 in the child) and rip stay.
void Tracer::put_back_creator_args(ThreadState& t) {
  if (!t.creator_args) return;
  const phase::OwnArgs own = *std::exchange(t.creator_args, std::nullopt);
  if (!effects::restore_args(t.tid, own.regs, own.abi, std::nullopt))
    opts_.log->info(fmt::format("pid {}: cannot put back the argument registers of its creator's "
                                "{}", t.tid, syscall_name(own.abi, own.call.nr)));
}

// The kernel restarting an interrupted call: its arguments still point into the slot, which a
// handler's call may have filled since. Its own bytes go back, so that it names what it named.
void Tracer::restore_restarted_paths(ThreadState& t, const Syscall& call) {
  for (std::size_t i = t.restartable.size(); i-- > 0;) {
    const auto& p = t.restartable[i];
    if (p.call.nr != call.nr || p.call.args != call.args) continue;
    for (std::size_t k = 0; k < p.paths.size(); ++k)
      if (p.paths[k]) scratch_.pin(t.tid, k, *p.paths[k]);
    if (!p.open_how.empty()) scratch_.pin_bytes(t.tid, 1, p.open_how);
    if (p.struct0) scratch_.pin_bytes(t.tid, 0, *p.struct0);
    if (p.struct1) scratch_.pin_bytes(t.tid, 1, *p.struct1);  // sendmsg's header (addr_pinning)
    t.restartable.resize(i);  // it and the handlers' calls after it are over
    return;
  }
}


// Points an allowed path call at its paths as judged, in the thread's read-only scratch slot
// (nullopt: done, enforce the verdict). Otherwise how the stop ends: the scratch area is being
// attached (the call restarts), or the call was refused.
std::optional<Restart> Tracer::pin_paths(ThreadState& t, const StopFacts& f) {
  const SyscallStopInfo& info = f.info;
  const SyscallSig* sig = f.sig();
  const std::vector<PathArg>& paths = f.paths;
  if (in_phase<phase::ExitCheck>(t.exit_phase)) t.exit_phase = phase::Running{};
  if (paths.empty() || !sig) return std::nullopt;
  // i386 calls come through int $0x80, where an injected x86-64 shmat cannot be issued; they
  // are not pinned (docs/SECURITY.md), only checked again at exit.
  if (!scratch_.ready() || info.call.abi == Abi::i386) {
    plan_exit_check(t, info.call, *sig, paths, false);
    return std::nullopt;
  }
  static const RuleRef kScratchRule{"guard:path-scratch", 0, {}};
  // `quiet`: the kernel's own answer, not a denial.
  const auto refuse = [&](int err, const std::string& why,
                          bool quiet = false) -> std::optional<Restart> {
    if (!why.empty()) opts_.log->error(fmt::format("pid {}: {}; refusing the call", t.tid, why));
    return enforce(t, f, Outcome{Verdict{Action::deny, err, &kScratchRule}, {}, quiet});
  };
  std::string why;
  switch (attach_scratch(t, why)) {
    case Area::ready: break;
    case Area::attaching: return kResume;
    case Area::unavailable: return refuse(EAGAIN, why);
  }
  const auto specs = sig->path_args();
  const OpenPlan op = plan_open(t.proc && t.proc->own_filters, info.call, *sig, paths[0]);
  const std::optional<std::string>& how = op.how;
  if (op.truncate_at_exit &&
      (open_call_flags(sig->name, info.call, paths[0].open_how).value_or(0) & O_ACCMODE) ==
          O_RDONLY)
    // Done at exit through the program's own descriptor, which could not write: refused
    // rather than truncated with the supervisor's rights.
    return refuse(EACCES, fmt::format("{} with O_RDONLY|O_TRUNC on a path the kernel resolves "
                                      "by itself (checked at exit)",
                                      sig->name));
  const std::uint64_t clear_flags = op.truncate_at_exit ? O_TRUNC : 0;
  const std::uint64_t set_flags = op.nofollow_at_exit ? O_NOFOLLOW : 0;
  const bool adjust = op.truncate_at_exit || op.nofollow_at_exit;
  ThreadState::PinnedCall pinned{info.call, {}, {}, {}, {}, {}};
  for (std::size_t i = 0; i < specs.size() && i < paths.size(); ++i) {
    // A path we could not read or resolve was not checked: the kernel must not read it either
    // (another thread could make it readable in between). Its error is the kernel's own.
    if (paths[i].err) return refuse(paths[i].err, "");
    if (paths[i].walk_err) return refuse(paths[i].walk_err, "", true);
    if (paths[i].on_dirfd) continue;  // a NULL path stays NULL: no bytes to change
    const std::string& bytes =
        pin_resolved(paths[i], sig->name) ? paths[i].path : paths[i].raw;
    const auto at = scratch_.pin(t.tid, i, bytes);
    if (!at) return refuse(EAGAIN, fmt::format("no path scratch slot free ({} threads hold one)",
                                               PathScratch::kSlots));
    const int arg = how ? 1 : specs[i].path_arg;
    if (!how && !repoint_arg(t, info.call, arg, *at))
      return refuse(EAGAIN, "cannot point the call at its pinned path");
    pinned.call.args[static_cast<std::size_t>(arg)] = *at;
    pinned.paths[i] = bytes;
    const std::string struct_bytes = how      ? *how
                                     : adjust ? open_how_with_flags(paths[i].open_how, clear_flags, set_flags)
                                              : paths[i].open_how;
    if (!struct_bytes.empty()) {
      // openat2 has one path: slot 1 is free for the struct open_how that was judged.
      const auto at_how = scratch_.pin_bytes(t.tid, 1, struct_bytes);
      const int how_arg = how ? 2 : specs[i].flags_arg;
      if (!at_how || how_arg < 0 ||
          (!how && !repoint_arg(t, info.call, how_arg, *at_how)))
        return refuse(EAGAIN, "cannot pin openat2's struct open_how");
      pinned.call.args[static_cast<std::size_t>(how_arg)] = *at_how;
      pinned.open_how = struct_bytes;
    }
  }
  if ((how || adjust) &&
      !rewrite_open(t, info, *sig, pinned, how.has_value(), how ? how->size() : 0, clear_flags,
                    set_flags))
    return refuse(EAGAIN, how ? "cannot make the open an openat2" : "cannot change the open's flags");
  plan_exit_check(t, info.call, *sig, paths, how.has_value(), op.truncate_at_exit);
  if (t.own_args) t.own_args->nr_at_exit = pinned.call.nr;  // an open made an openat2
  t.last_pinned = std::move(pinned);
  return std::nullopt;
}

// The open's own registers, once its paths are pinned: made an openat2 without symlinks
// (`to_openat2`), or its flags adjusted (`clear_flags` off, `set_flags` on). `pinned` then says
// what the kernel will see, and the program's own call (rewritten_from). False: it could not be.
bool Tracer::rewrite_open(ThreadState& t, const SyscallStopInfo& info, const SyscallSig& sig,
                          ThreadState::PinnedCall& pinned, bool to_openat2, std::size_t how_size,
                          std::uint64_t clear_flags, std::uint64_t set_flags) {
  const auto adjusted_flags = [&](std::uint64_t flags) {
    return (flags & ~clear_flags) | set_flags;
  };
  if (!keep_own_args(t, info.call)) return false;
  if (to_openat2) {
    static const CallNumbers kOpenat2("openat2");
    const auto nr = kOpenat2.on(info.call.abi);
    pinned.call.args[0] = static_cast<std::uint64_t>(static_cast<std::int64_t>(AT_FDCWD));
    pinned.call.args[3] = how_size;
    SavedRegs regs;
    if (!nr || !save_regs(t.tid, regs) ||
        !effects::inject(t.tid, regs, *nr,
                         {pinned.call.args[0], pinned.call.args[1], pinned.call.args[2],
                          pinned.call.args[3]}))
      return false;
    pinned.rewritten_from = info.call;
    pinned.call.nr = *nr;
  } else if (sig.name != "openat2") {
    // open/openat: the flag comes off the register; creat, which has none, becomes
    // openat(AT_FDCWD, path, O_CREAT|O_WRONLY, mode). At a signal the program's own call goes
    // back (note_interrupted_call), to be judged again when it restarts.
    static const CallNumbers kOpenat("openat");
    SavedRegs regs;
    bool done = false;
    if (sig.name == "creat") {
      const auto nr = kOpenat.on(info.call.abi);
      const std::array<std::uint64_t, 4> args{
          static_cast<std::uint64_t>(static_cast<std::int64_t>(AT_FDCWD)), pinned.call.args[0],
          adjusted_flags(O_CREAT | O_WRONLY | O_TRUNC), pinned.call.args[1]};
      done = nr && save_regs(t.tid, regs) && effects::inject(t.tid, regs, *nr, args);
      if (done) {
        pinned.call.nr = *nr;
        std::copy(args.begin(), args.end(), pinned.call.args.begin());
      }
    } else {
      const int flags_arg = sig.name == "open" ? 1 : 2;
      auto& flags = pinned.call.args[static_cast<std::size_t>(flags_arg)];
      flags = adjusted_flags(flags);
      done = repoint_arg(t, info.call, flags_arg, flags);
    }
    if (!done) return false;
    pinned.rewritten_from = info.call;
  } else {
    pinned.rewritten_from = info.call;  // openat2: its struct's own pointer goes back
  }
  return true;
}

// Which allowed path calls are checked again at their exit stop: an open the kernel resolves
// by itself (not made an openat2 without symlinks: a path through /proc, a program with seccomp
// filters of its own, i386), whose descriptor must be the object judged; and, when the policy
// has deny path rules, a rename or link, whose new name must now be the object judged.
void Tracer::plan_exit_check(ThreadState& t, const Syscall& call, const SyscallSig& sig,
                             const std::vector<PathArg>& paths, bool resolved_open,
                             bool truncate_at_exit) {
  if (auto check = exit_check_for(call, sig, paths, resolved_open, truncate_at_exit,
                                  opts_.policy->impl().move_guard))
    t.exit_phase = std::move(*check);
}

void Tracer::verify_exit(ThreadState& t, const ThreadState::ExitCheck& c,
                         const SyscallStopInfo& info) {
  if (info.rval < 0) return;  // it failed (or will restart): nothing was reached
  std::optional<FileId> now;
  std::string where;
  bool unlinked = false;  // the descriptor's file has no name left (its path ends " (deleted)")
  if (c.open) {
    const std::string link = fmt::format("/proc/{}/fd/{}", t.tid, info.rval);
    struct stat st {};
    if (stat(link.c_str(), &st) == 0) {
      now = FileId{st.st_dev, st.st_ino};
      unlinked = st.st_nlink == 0;
    }
    char buf[PATH_MAX];
    const ssize_t n = readlink(link.c_str(), buf, sizeof buf);
    if (n > 0 && static_cast<std::size_t>(n) < sizeof buf)
      where.assign(buf, static_cast<std::size_t>(n));
  } else {
    struct stat st {};
    if (lstat(c.dest.c_str(), &st) == 0) now = FileId{st.st_dev, st.st_ino};
    where = c.dest;
  }
  bool race = c.arg.id ? now != c.arg.id : false;
  if (race && !c.open) {
    // Another thread may rename over the new name at any time (atomic replacement by several
    // writers): only an object a deny rule binds (a file it names, a directory it is rooted
    // at), or such a directory no longer where it was, makes this a race that carried a denied
    // tree out.
    const Policy::Impl& p = opts_.policy->impl();
    race = (now && bound_by_deny_rule(p, *now)) ||
           std::any_of(p.dir_anchors.begin(), p.dir_anchors.end(), anchor_moved);
  }
  if (c.open && (!c.arg.id || race)) {
    // Created (or not there at the check), or another file than the one checked: the object it
    // opened is judged now, as a check would have judged it; only one the rules refuse is a
    // race that got through. Another file is what an honest program gets when other programs
    // replace the name atomically (rename over it) between the check and the open.
    PathArg a = c.arg;
    a.path = where;
    a.literal.clear();
    a.id = now;
    a.alt_paths.clear();
    constexpr std::string_view kDeleted = " (deleted)";
    if (unlinked && where.ends_with(kDeleted)) {
      // Replaced since it was opened: judged by the name it had (deny rules by both).
      a.path = where.substr(0, where.size() - kDeleted.size());
      a.alt_paths.push_back(where);
    }
    CallContext ctx{judged_as(c.call), std::span<const PathArg>(&a, 1)};
    ctx.tgid = t.proc ? t.proc->tgid : -1;
    const Verdict v = opts_.policy->evaluate(ctx);
    race = v.action != Action::allow && v.action != Action::log;
  }
  if (!race && c.truncate) {
    if (const int err = truncate_tracee_fd(t.tid, static_cast<int>(info.rval), now)) {
      // The descriptor is the program's now (a leak it does not know of); the open's answer is
      // the error the kernel's own O_TRUNC would have given.
      opts_.log->error(fmt::format("pid {}: {}: O_TRUNC done at exit failed ({}); descriptor {} "
                                   "left open",
                                   t.tid, c.name, strerror(err),
                                   info.rval));
      effects::set_return(t.tid, -err);
    }
  }
  if (!race) return;
  opts_.log->error(fmt::format(
      "pid {}: {} reached {} where the check saw {}: the path changed between the check and the "
      "call (a race); the process is killed",
      t.tid, c.name, where.empty() ? "?" : where, c.arg.path));
  kill(t.proc ? t.proc->tgid : t.tid, SIGKILL);
}

}  // namespace xpledge::engine
