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
#include <pthread.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
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

namespace {

// What the child between clone and exec may have to say, rendered before it exists (the log's
// format, a timestamp): the text before and after what only the child knows (an errno).
constexpr std::string_view kErrMark = "@@XPLEDGE-ERRNO@@";
struct ChildMessage {
  std::string head, tail;
};

ChildMessage child_message(const AuditLog& log, const std::string& text) {
  const std::string rendered = log.render_child_message(AuditLog::Level::error, text);
  const auto at = rendered.rfind(kErrMark);
  return {rendered.substr(0, at), rendered.substr(at + kErrMark.size())};
}

// Everything the child reads between clone and exec. It shares our memory (CLONE_VM) until
// exec, on a thread of ours that vfork suspends (so errno and the rest of that thread's TLS are
// its own, and nobody else touches what it uses): it may make system calls and nothing else,
// so no allocation, no setenv, no logging. Deleted by that thread once the child has exec'd or
// is gone.
struct ChildPlan {
  std::vector<std::string> argv_text, env_text;
  std::vector<char*> argv, envp;
  std::vector<char*> pid_slots;  // LISTEN_PID=, WATCHDOG_PID= that named us: the child's pid
  bool has_filter = false;
  sock_fprog prog{};
  std::vector<unsigned char> filter;
  ConfinePlan confine{};
  std::vector<PathRule> path_rules;
  int ready_fd = -1, sync_fd = -1;  // the child writes its pid on one, waits for "go" on the other
  pid_t* helper_tid = nullptr;      // the Tracer's spawn_helper_tid_: clone_helper's tid
  int close_fds[2] = {-1, -1};      // our ends of those pipes
  sigset_t mask{};                  // the supervisor's, restored just before exec
  std::vector<int> caught;          // signals we handle: SIG_DFL in the child
  std::uint64_t ignored = 0;        // signals our caller ignored (bit sig-1): SIG_IGN in the child
  ChildMessage confine_msg, filter_msg, exec_msg;
  // The child's stack: allocated, not filled (a zeroed 128 KiB would be 32 page faults).
  std::unique_ptr<char[]> stack;
  std::size_t stack_size = 0;
};

// The environment, with LISTEN_PID and WATCHDOG_PID moved from us to the child (systemd's
// socket activation names the process that should use the sockets): their values are left
// blank here and written by the child, which alone knows its pid.
void plan_environment(ChildPlan& p, pid_t supervisor) {
  const std::string me = std::to_string(supervisor);
  std::vector<std::size_t> slots;
  bool done[2] = {false, false};
  constexpr std::string_view kVars[] = {"LISTEN_PID=", "WATCHDOG_PID="};
  for (char** e = environ; *e; ++e) {
    std::string entry = *e;
    for (std::size_t v = 0; v < 2; ++v)
      if (!done[v] && entry.starts_with(kVars[v]) && entry.substr(kVars[v].size()) == me) {
        done[v] = true;
        entry = std::string(kVars[v]) + std::string(24, '\0');
        slots.push_back(p.env_text.size());
      }
    p.env_text.push_back(std::move(entry));
  }
  for (auto& e : p.env_text) p.envp.push_back(e.data());
  p.envp.push_back(nullptr);
  for (std::size_t i : slots) p.pid_slots.push_back(p.env_text[i].data() + p.env_text[i].find('='));
}

void write_decimal(char* at, long v) {
  char digits[24];
  int n = 0;
  do digits[n++] = static_cast<char>('0' + v % 10); while ((v /= 10) > 0);
  while (n > 0) *at++ = digits[--n];
  *at = '\0';
}

// child_fail and child_main run on ChildPlan::stack, which ASan did not make: before a call
// that does not return (_exit) it would warn that it cannot follow the stack switch, on stderr.
// Not instrumented: they only hand prepared data to system calls.
[[noreturn, gnu::no_sanitize_address]] void child_fail(const ChildMessage& m, const char* step,
                                                       int err, int code) {
  const char* what = strerrordesc_np(err);
  char unknown[48] = "Unknown error ";
  if (!what) {
    write_decimal(unknown + std::strlen(unknown), err);
    what = unknown;
  }
  iovec iov[5];
  int n = 0;
  const auto add = [&](const char* s, std::size_t len) { iov[n++] = {const_cast<char*>(s), len}; };
  add(m.head.data(), m.head.size());
  if (step) {
    add(step, std::strlen(step));
    add(": ", 2);
  }
  add(what, std::strlen(what));
  add(m.tail.data(), m.tail.size());
  (void)!writev(STDERR_FILENO, iov, n);
  _exit(code);
}

// The child: tells us its pid, waits until it is seized, confines itself, loads the pre-filter,
// runs CMD. Never returns.
[[gnu::no_sanitize_address]] int child_main(void* arg) {
  const ChildPlan& p = *static_cast<const ChildPlan*>(arg);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (const int sig : p.caught) sigaction(sig, &dfl, nullptr);
  for (int sig = 1; sig <= 64; ++sig)
    if (p.ignored & (std::uint64_t{1} << (sig - 1))) ignore_raw(sig);
  for (const int fd : p.close_fds) close(fd);
  const pid_t me = getpid();
  for (char* slot : p.pid_slots) write_decimal(slot + 1, me);
  char go = 0;
  if (write(p.ready_fd, &me, sizeof me) != sizeof me || read(p.sync_fd, &go, 1) != 1)
    _exit(125);  // the supervisor could not seize us
  // Fail closed: a kernel that offered Landlock at the probe but refuses it now (a seccomp
  // profile of a container, an LSM) gets no unconfined tracee.
  const char* step = "";
  if (const int err = apply_confinement(p.confine, &step, p.path_rules.data(), p.path_rules.size()))
    child_fail(p.confine_msg, step, err, 125);
  if (p.has_filter && (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
                       syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p.prog) != 0))
    child_fail(p.filter_msg, nullptr, errno, 125);
  sigprocmask(SIG_SETMASK, &p.mask, nullptr);
  execvpe(p.argv[0], p.argv.data(), p.envp.data());
  const int err = errno;
  child_fail(p.exec_msg, nullptr, err, err == ENOENT || err == ENOTDIR ? 127 : 126);
}

// A thread of ours that makes the child and waits, suspended by CLONE_VFORK, until it has
// exec'd or died; the main thread meanwhile seizes it. vfork instead of fork: no copy of our
// page tables, and none of the copy-on-write faults both sides took after it.
void* clone_helper(void* arg) {
  auto* plan = static_cast<ChildPlan*>(arg);
  *plan->helper_tid = gettid();
  const int ready = plan->ready_fd;
  auto top = reinterpret_cast<std::uintptr_t>(plan->stack.get() + plan->stack_size);
  const pid_t pid = clone(child_main, reinterpret_cast<void*>(top & ~std::uintptr_t{15}),
                          CLONE_VM | CLONE_VFORK | SIGCHLD, plan);
  const pid_t failed = -errno;
  delete plan;
  if (pid < 0) (void)!write(ready, &failed, sizeof failed);
  close(ready);  // a child that died before it wrote its pid: end of file for the main thread
  return nullptr;
}

}  // namespace

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

namespace {

// Everything the child will read, before it exists (ChildPlan).
std::unique_ptr<ChildPlan> plan_child(const std::vector<std::string>& argv,
                                      const std::vector<unsigned char>* filter, pid_t supervisor,
                                      const AuditLog& log) {
  auto p = std::make_unique<ChildPlan>();
  p->argv_text = argv;
  for (auto& a : p->argv_text) p->argv.push_back(a.data());
  p->argv.push_back(nullptr);
  plan_environment(*p, supervisor);
  if (filter) {
    p->has_filter = true;
    p->filter = *filter;
    p->prog.len = static_cast<unsigned short>(p->filter.size() / sizeof(sock_filter));
    p->prog.filter = reinterpret_cast<sock_filter*>(p->filter.data());
  }
  for (int sig = 1; sig < NSIG; ++sig) {
    struct sigaction sa {};
    if (sigaction(sig, nullptr, &sa) == 0 && sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN)
      p->caught.push_back(sig);
  }
  p->ignored = inherited_ignored();
  const std::string mark(kErrMark);
  p->confine_msg = child_message(log, "cannot confine the child: " + mark);
  p->filter_msg = child_message(
      log, "cannot load the seccomp pre-filter: " + mark + " (try --no-seccomp)");
  p->exec_msg = child_message(log, argv[0] + ": " + mark);
  // execvpe's own needs (the PATH search's buffer, a script's argv) are on this stack.
  std::size_t need = 128 * 1024 + (argv.size() + 3) * sizeof(char*);
  if (const char* path = getenv("PATH")) need += std::strlen(path);
  p->stack.reset(new char[need]);
  p->stack_size = need;
  return p;
}

// Starts the thread that clones the child (clone_helper), in `helper` (for end_spawn_helper),
// and returns the child's pid, or -1 with `error` set. Every signal is blocked while the thread
// starts: it and the child run with none delivered until the child, its handlers reset,
// restores our mask before exec.
pid_t start_child(std::unique_ptr<ChildPlan> plan, int ready_read, std::optional<pthread_t>& helper,
                  std::string& error) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  plan->mask = old;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  pthread_t thread;
  const int ready_write = plan->ready_fd;
  const int rc = pthread_create(&thread, &attr, clone_helper, plan.get());
  pthread_attr_destroy(&attr);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (rc != 0) {
    close(ready_write);
    error = fmt::format("fork: {}", std::strerror(rc));
    return -1;
  }
  plan.release();  // clone_helper's now
  helper = thread;
  pid_t pid = 0;
  ssize_t n;
  do n = read(ready_read, &pid, sizeof pid); while (n < 0 && errno == EINTR);
  if (n == sizeof pid && pid > 0) return pid;
  error = fmt::format("fork: {}", n == sizeof pid ? std::strerror(static_cast<int>(-pid))
                                                  : "the child died before it could be traced");
  return -1;
}

}  // namespace

pid_t Tracer::spawn(const std::vector<std::string>& argv,
                    const std::vector<unsigned char>* filter, std::string& error) {
  int sync[2], ready[2];
  if (pipe2(sync, O_CLOEXEC) != 0 || pipe2(ready, O_CLOEXEC) != 0) {
    error = fmt::format("pipe: {}", std::strerror(errno));
    return -1;
  }
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
  auto plan = plan_child(argv, filter, getpid(), *opts_.log);
  plan->confine = confine;
  plan->path_rules = path_rules;
  plan->ready_fd = ready[1];
  plan->sync_fd = sync[0];
  plan->close_fds[0] = sync[1];
  plan->close_fds[1] = ready[0];
  plan->helper_tid = &spawn_helper_tid_;
  const pid_t pid = start_child(std::move(plan), ready[0], spawn_helper_, error);
  close(ready[0]);
  close(sync[0]);
  for (const PathRule& r : path_rules) close(r.fd);
  if (pid < 0) {
    close(sync[1]);
    end_spawn_helper();  // it returned, or does once the child it made is gone
    return -1;
  }
  const long options = kTraceOptions | (filter ? PTRACE_O_TRACESECCOMP : 0);
  if (ptrace(PTRACE_SEIZE, pid, nullptr, reinterpret_cast<void*>(options)) != 0) {
    error = fmt::format("cannot trace the child: ptrace(PTRACE_SEIZE): {}{}", std::strerror(errno),
                        errno == EPERM ? " (Yama ptrace_scope, a container without "
                                         "CAP_SYS_PTRACE, or another tracer?)"
                                       : "");
    kill(pid, SIGKILL);
    close(sync[1]);
    waitpid(pid, nullptr, 0);
    end_spawn_helper();
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

void Tracer::end_spawn_helper() {
  if (!spawn_helper_) return;
  pthread_join(*spawn_helper_, nullptr);
  spawn_helper_.reset();
  // The join returns when the kernel clears the thread's tid word, in the middle of its exit;
  // until the kernel releases it a signal sent to it still acts on us (a SIGSTOP to an exiting
  // thread stops the group). That takes microseconds: it needs nothing from us.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (syscall(SYS_tgkill, self_pid_, spawn_helper_tid_, 0) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      opts_.log->warn(fmt::format("the thread that started the command (tid {}) is still there",
                                  spawn_helper_tid_));
      return;
    }
    const timespec pause{0, 20'000};
    nanosleep(&pause, nullptr);
  }
}

RunResult Tracer::run(const std::vector<std::string>& argv) {
  std::string error;
  // Install forwarding before the child exists so no signal is lost in between; the child
  // restores default dispositions for those (exec resets handled signals to SIG_DFL).
  note_inherited_ignored();
  install_signal_forwarding();
  drop_tracee_signals();

  if (std::string why; !scratch_.create(why))
    opts_.log->warn(fmt::format("cannot create the path scratch area ({}): path rules are open to "
                                "the race described in docs/SECURITY.md", why));

  std::vector<unsigned char> filter;
  if (opts_.use_seccomp) {
    // A filter built in (builtin_prefilters.hpp) was found by the key of the policy and of the
    // Landlock plan (the opens it lets through unstopped): it is theirs.
    if (opts_.prefilter.empty())
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
  end_spawn_helper();  // ended with the child if that never ran its command
  forward_signals_to(0);
  return result_;
}

}  // namespace xpledge::engine
