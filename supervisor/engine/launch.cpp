// Launch: start CMD under ptrace, seized before it runs a single instruction of its own.

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
#include "signals.hpp"

namespace xpledge::engine {

namespace {

constexpr int kTraceOptions = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                              PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;

// Does openat2 reach the kernel from here? Not under a seccomp filter inherited from whoever
// started us (an old container profile, a systemd SystemCallFilter= that predates openat2)
// that answers it with ENOSYS or EPERM: the tracee inherits that filter, and an open made an
// openat2 would fail in it. Call it before the child is forked.
bool openat2_reaches_kernel() {
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  const int fd = static_cast<int>(syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof how));
  if (fd < 0) return false;
  close(fd);
  return true;
}

}  // namespace

// The child between fork and exec: waits until it is seized, confines itself, loads the
// pre-filter, runs CMD. Never returns.
void Tracer::spawned_child(const std::vector<std::string>& argv,
                           const std::vector<unsigned char>* filter, int sync_fd,
                           pid_t supervisor, const ConfinePlan& confine,
                           std::vector<PathRule>& path_rules) {
  // Between fork and exec only async-signal-safe work and our own setenv (single-threaded).
  const std::string me = std::to_string(supervisor), child = std::to_string(getpid());
  for (const char* var : {"LISTEN_PID", "WATCHDOG_PID"}) {
    const char* v = getenv(var);
    if (v && me == v) setenv(var, child.c_str(), 1);
  }
  char go = 0;
  if (read(sync_fd, &go, 1) != 1) _exit(125);  // the supervisor could not seize us
  // Fail closed: a kernel that offered Landlock at the probe but refuses it now (a seccomp
  // profile of a container, an LSM) gets no unconfined tracee.
  const char* step = "";
  if (const int err = apply_confinement(confine, &step, path_rules.data(), path_rules.size());
      err != 0) {
    const std::string msg = opts_.log->render_child_message(
        AuditLog::Level::error,
        fmt::format("cannot confine the child: {}: {}", step, std::strerror(err)));
    (void)!write(STDERR_FILENO, msg.data(), msg.size());
    _exit(125);
  }
  if (filter) {
    sock_fprog prog{};
    prog.len = static_cast<unsigned short>(filter->size() / sizeof(sock_filter));
    prog.filter = reinterpret_cast<sock_filter*>(const_cast<unsigned char*>(filter->data()));
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
      const std::string msg = opts_.log->render_child_message(
          AuditLog::Level::error,
          fmt::format("cannot load the seccomp pre-filter: {} (try --no-seccomp)",
                      std::strerror(errno)));
      (void)!write(STDERR_FILENO, msg.data(), msg.size());
      _exit(125);
    }
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  const int err = errno;
  const std::string msg = opts_.log->render_child_message(
      AuditLog::Level::error, fmt::format("{}: {}", argv[0], std::strerror(err)));
  (void)!write(STDERR_FILENO, msg.data(), msg.size());
  _exit(err == ENOENT || err == ENOTDIR ? 127 : 126);
}

// The allow-list's trees, opened here: the child may only make raw system calls.
std::vector<PathRule> Tracer::open_landlock_rules(ConfinePlan& confine) {
  std::vector<PathRule> path_rules;
  if (opts_.landlock && confine.landlock_abi >= 2) {
    confine.path_rights = opts_.landlock->handled_fs;
    for (const FsRule& r : opts_.landlock->rules) {
      const int fd = open(r.path.c_str(), O_PATH | O_CLOEXEC);
      if (fd < 0) {
        // Gone since the plan was made: no rule, so the kernel refuses it (the safe side).
        opts_.log->warn(fmt::format("Landlock rule on {}: {}", r.path, std::strerror(errno)));
        continue;
      }
      path_rules.push_back({fd, r.rights});
    }
  }
  return path_rules;
}

pid_t Tracer::spawn(const std::vector<std::string>& argv,
                    const std::vector<unsigned char>* filter, std::string& error) {
  int sync[2];
  if (pipe2(sync, O_CLOEXEC) != 0) {
    error = fmt::format("pipe: {}", std::strerror(errno));
    return -1;
  }
  const pid_t self = getpid();
  ConfinePlan confine = probe_confinement();
  opts_.log->info(describe(confine));
  std::vector<PathRule> path_rules = open_landlock_rules(confine);
  confine_ = confine;
  openat2_reaches_kernel_ = openat2_reaches_kernel();
  if (!openat2_reaches_kernel_)
    opts_.log->warn(fmt::format(
        "openat2 is refused here ({}: a seccomp filter xpledge was started under?): opens are "
        "checked again at their exit instead of being made openat2 without symlinks",
        std::strerror(errno)));
  const pid_t pid = fork();
  if (pid < 0) {
    error = fmt::format("fork: {}", std::strerror(errno));
    return -1;
  }
  if (pid == 0) {
    close(sync[1]);
    spawned_child(argv, filter, sync[0], self, confine, path_rules);
  }
  close(sync[0]);
  for (const PathRule& r : path_rules) close(r.fd);
  const long options = kTraceOptions | (filter ? PTRACE_O_TRACESECCOMP : 0);
  if (ptrace(PTRACE_SEIZE, pid, nullptr, reinterpret_cast<void*>(options)) != 0) {
    error = fmt::format("cannot trace the child: ptrace(PTRACE_SEIZE): {}{}", std::strerror(errno),
                        errno == EPERM ? " (Yama ptrace_scope, a container without "
                                         "CAP_SYS_PTRACE, or another tracer?)"
                                       : "");
    kill(pid, SIGKILL);
    close(sync[1]);
    waitpid(pid, nullptr, 0);
    return -1;
  }
  // Non-dumpable: a same-uid tracee cannot ptrace us or open our /proc/PID/mem. Only after the
  // seize, which a non-dumpable tracer may still do to its own child.
  prctl(PR_SET_DUMPABLE, 0);
  auto proc = std::make_shared<ProcessState>();
  proc->tgid = pid;
  proc->trusted_pre_exec = true;
  // Filters we inherited are the child's too: if they refuse openat2, its opens are left as they
  // are and checked at exit, as for a program with filters of its own.
  proc->own_filters = !openat2_reaches_kernel_;
  proc->our_filters = filter ? 1 : 0;
  threads_[pid] = new_thread(pid, proc);
  (void)!write(sync[1], "x", 1);
  close(sync[1]);
  return pid;
}

RunResult Tracer::run(const std::vector<std::string>& argv) {
  std::string error;
  // Install forwarding before the child exists so no signal is lost in between; the child
  // restores default dispositions for those (exec resets handled signals to SIG_DFL).
  install_signal_forwarding();
  drop_tracee_signals();

  if (std::string why; !scratch_.create(why))
    opts_.log->warn(fmt::format("cannot create the path scratch area ({}): path rules are open to "
                                "the race described in docs/SECURITY.md", why));

  std::vector<unsigned char> filter;
  if (opts_.use_seccomp) {
    // A filter built in (builtin_prefilters.hpp) holds the policy's rules only: when the
    // Landlock plan lets some opens through unstopped, the filter is built here with them.
    if (opts_.prefilter.empty() || (opts_.landlock && opts_.landlock->any_open_decided()))
      filter = build_prefilter(*opts_.policy, error, nullptr, opts_.landlock);
    else
      filter.assign(opts_.prefilter.begin(), opts_.prefilter.end());
    if (filter.empty()) return {RunResult::Kind::spawn_failed, 0, "seccomp pre-filter: " + error};
    if (filter.size() / sizeof(sock_filter) > BPF_MAXINSNS)
      return {RunResult::Kind::spawn_failed, 0,
              fmt::format("seccomp pre-filter: {} instructions, the kernel takes at most {}",
                          filter.size() / sizeof(sock_filter), BPF_MAXINSNS)};
  }
  main_pid_ = spawn(argv, opts_.use_seccomp ? &filter : nullptr, error);
  if (main_pid_ < 0) return {RunResult::Kind::spawn_failed, 0, error};
  forward_signals_to(main_pid_);
  // The terminal's job control must not stop us: a tracee can make our process group a
  // background one (TIOCSPGRP to a group of its own) and set TOSTOP, and our next log line
  // would draw SIGTTOU. Ignored (not caught: a caught SIGTTOU restarts the write for ever),
  // after the fork, so that the program keeps its own dispositions. ^Z (SIGTSTP) still stops us
  // with the program.
  signal(SIGTTOU, SIG_IGN);
  signal(SIGTTIN, SIG_IGN);
  loop();
  forward_signals_to(0);
  return result_;
}

}  // namespace xpledge::engine
