#include "tracer.hpp"

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

namespace xpledge {

namespace {

constexpr int kTraceOptions = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                              PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;

// Signals an operator or systemd sends to the supervisor that belong to the program.
constexpr int kForwardedSignals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

// Signals whose default action would end the supervisor and that nobody has a reason to send
// it: a tracee could (kill(0), kill(-1), SIGIO from an fd it owns, on kernels without Landlock
// signal scoping). Caught and dropped; exec resets caught signals, so the program gets the
// default actions. SIGKILL and the crash signals still end us, and EXITKILL the tracees.
constexpr int kDroppedSignals[] = {SIGALRM, SIGIO,  SIGPIPE, SIGPROF,  SIGVTALRM,
                                   SIGXCPU, SIGXFSZ, SIGPWR, SIGSTKFLT};

void drop_signal(int) {}

void drop_tracee_signals() {
  struct sigaction drop {};
  drop.sa_handler = drop_signal;
  drop.sa_flags = SA_RESTART;
  sigemptyset(&drop.sa_mask);
  for (int sig : kDroppedSignals) sigaction(sig, &drop, nullptr);
  for (int sig = SIGRTMIN; sig <= SIGRTMAX; ++sig) sigaction(sig, &drop, nullptr);
}

volatile sig_atomic_t g_child_pid = 0;

void forward_signal(int sig, siginfo_t* info, void*) {
  // A terminal sends SIGINT/SIGQUIT/SIGWINCH/SIGHUP to the whole foreground process group, the
  // child included: forwarding those (si_code SI_KERNEL) would deliver them twice.
  if (info && info->si_code == SI_KERNEL) return;
  if (g_child_pid > 0) kill(g_child_pid, sig);
}

// One address space (mm): where the path scratch area is attached. Shared by the threads of a
// process and by the processes a CLONE_VM clone makes (vfork, posix_spawn): one of them
// attaching the area attaches it for all. A fork child gets a copy, whose mapping the kernel
// copied unless the program said otherwise (madvise(MADV_DONTFORK)): what a copy believes is
// checked against /proc/PID/maps before anything is pinned there. exec gets a new one.
struct AddressSpace {
  enum class Scratch : std::uint8_t {
    absent,     // not attached: the next path-checked call attaches it
    inherited,  // a fork child's copy of a parent that had it: to be verified
    mapped,     // attached read-only at PathScratch::kAddr (attached or verified by us)
    failed,     // cannot be attached: path-checked calls are refused (EAGAIN), never unpinned
  };
  Scratch scratch = Scratch::absent;
  int scratch_retries = 0;  // attaches lost to another user's admit() in this image
};

struct ProcessState {
  pid_t tgid = 0;
  // Until our own exec of CMD completes the process runs xpledge's code: nothing is checked.
  bool trusted_pre_exec = false;
  PledgeState pledge;
  UnveilState unveil;  // SYS_xunveil (pure-ptrace mode only): copied at fork, dropped at exec
  std::shared_ptr<AddressSpace> mm = std::make_shared<AddressSpace>();
  // Seccomp mode: the intersection of the pledge filters stacked in the kernel for this process
  // (they survive fork and exec); nullopt: none. Calls outside it stop.
  std::optional<PromiseSet> kernel_allows;
  // An injected pledge filter is verified by the calling thread's Seccomp_filters count, which
  // another thread's seccomp(TSYNC) would also raise: while one is in flight (filter_injector)
  // or a tracee's own seccomp() runs (seccomp_running), the other threads' seccomp() and
  // xpledge() wait at their stop (parked), and are decided when it is done.
  pid_t filter_injector = 0;
  int seccomp_running = 0;
  std::vector<pid_t> parked;
  // Narrowings committed, each with its nested Landlock domain (ThreadState::nest_level), and
  // the seccomp filters we stacked and verified (the pre-filter, pledge filters): a thread
  // with more has filters of its own, which could answer our injected calls.
  int nest_level = 0;
  long our_filters = 0;
  // The program may have seccomp filters of its own (it ran a seccomp() or
  // prctl(PR_SET_SECCOMP), or we attached to it): a call we rewrite could meet them.
  bool own_filters = false;
  bool warned_no_view = false;  // said once: its /proc view cannot be read (not dumpable)
  int nest_chains = 0;  // threads inside a nesting chain (checked by the same count: parked too)
};

struct ThreadState {
  pid_t tid = 0;
  std::shared_ptr<ProcessState> proc;
  bool awaiting_initial_stop = false;  // parent's fork event seen, its first stop not yet
  bool embryo = false;                 // stopped before its parent's fork event: held
  bool orphan_killed = false;          // an embryo whose parent died: SIGKILL sent once
  // A call skipped at syscall entry (PTRACE_SYSCALL mode): its result is written at exit.
  std::optional<std::int64_t> pending_return;
  std::int64_t skipped_nr = -1;
  // A pledge filter injected as seccomp(SET_MODE_FILTER, TSYNC) in place of the call (xpledge(),
  // or the first call after an exec with execpromises): the caller's registers; the state to
  // commit once the kernel really installed it; the Seccomp_filters count before; the promises
  // it narrows the kernel to.
  std::optional<SavedRegs> injected;
  std::optional<PledgeState> pending_pledge;
  long filters_before = -1;
  std::optional<PromiseSet> injected_set;
  // Seccomp mode, after an exec into execpromises narrower than the filters in the kernel: the
  // filter to stack before the new image's first call runs (it is resumed with PTRACE_SYSCALL
  // until then, so that call stops).
  std::optional<PromiseSet> exec_filter;
  bool watch_seccomp = false;   // its own seccomp() is running (ProcessState::seccomp_running)
  // Nesting: the thread's Landlock domains for narrowings (below its process's level: it must
  // nest before its next call runs), and the chain of injected calls that makes one:
  // landlock_create_ruleset, landlock_restrict_self, close; then its own call restarts.
  int nest_level = 0;
  struct NestChain {
    enum Step : std::uint8_t { kBlock, kCreate, kRestrict, kClose, kUnblock, kDone };
    SavedRegs saved;
    Step step = kBlock;
    long fd = -1;
    long restricted = -1;
    bool blocked = false;      // the signal mask was set (and must be put back)
    bool for_xpledge = false;  // the caller of a narrowing xpledge(), not a thread catching up
    // Below the red zone: the ruleset attribute (attr_size bytes, at most 24), the full signal
    // set, the old mask.
    std::uint64_t scratch_addr = 0;
    std::uint64_t attr_size = 0;
    std::uint64_t sigset_all() const { return scratch_addr + 32; }
    std::uint64_t sigset_old() const { return scratch_addr + 40; }
    // A stop is the chain's only if it is the call we reissued (number, first argument,
    // instruction pointer); any other is the thread's own call (a signal handler's, should one
    // run despite the mask), judged like any other (issue 15 review: one once ran unchecked).
    std::uint64_t ip = 0;         // after the syscall instruction of the original call
    std::int64_t expect_nr = -1;  // the step to come
    std::uint64_t expect_a0 = 0;
    bool ours_in_flight = true;   // our step entered (or was injected at the stop): its exit next
    bool foreign_in_flight = false;  // the thread's own call entered: its exit next
  };
  std::optional<NestChain> nest;
  bool nest_failed = false;  // the last chain did not nest it (xpledge then fails)
  std::optional<int> pending_nest_level;  // the process's level once the pending pledge commits
  bool parked_at_seccomp_stop = false;
  // The last call whose paths were pinned, as the kernel sees it after pinning, with the bytes
  // pinned; and those of calls a signal interrupted that the kernel may restart once the handler
  // returns. A handler's own path call reuses the thread's slot, so a restarted call gets its
  // bytes back first (restore_restarted_paths; innermost last, at most kMaxRestartable).
  struct PinnedCall {
    Syscall call;
    std::array<std::optional<std::string>, 2> paths;
    std::string open_how;
    std::optional<std::string> struct0;  // clone3's struct clone_args (slot 0, raw bytes)
    std::optional<Syscall> rewritten_from;  // an open made an openat2: the program's own call
  };
  std::optional<PinnedCall> last_pinned;
  std::vector<PinnedCall> restartable;
  // An allowed path call whose object is checked again at its exit stop (plan_exit_check
  // says which): what the check saw.
  struct ExitCheck {
    Syscall call;
    PathArg arg;                 // the (first) path as judged
    std::string dest;            // a move: the new name, which must now be `arg.id`
    bool open = false;           // an open: the descriptor returned must be `arg.id`
    bool truncate = false;       // its O_TRUNC was taken off: done at exit, on the file judged
  };
  std::optional<ExitCheck> exit_check;
  // shmat of the path scratch segment injected in place of a path-checked call: the caller's
  // registers, to restart its call at the exit stop.
  std::optional<SavedRegs> scratch_regs;
  std::uint64_t scratch_generation = 0;  // the segment's owner generation at that injection
  // A file mapping made executable that was judged at entry (exec_images.hpp): what the kernel
  // mapped is judged again at the exit stop (another thread may have dup2'ed the fd, or mapped
  // another file at the address, in between).
  struct ExecMapWatch {
    ExecMapCall kind = ExecMapCall::none;
    Abi abi = Abi::x86_64;
    std::uint64_t addr = 0, len = 0;
    std::vector<ExecImage> judged;
  };
  std::optional<ExecMapWatch> exec_map;
  // The file an allowed execve/execveat named, as resolved at entry: at the exec event, the
  // `#!` chain that started from it (the script is not /proc/PID/exe) is judged too.
  std::string exec_target;
  std::string hint;     // why the current call was refused, for the log line
  bool quiet = false;   // the current refusal is not logged (see GuardDecision::quiet)
};

ThreadState new_thread(pid_t tid, std::shared_ptr<ProcessState> proc) {
  ThreadState t;
  t.tid = tid;
  t.proc = std::move(proc);
  return t;
}

// The `nth` number (from 0) after `key` in /proc/PID/status ("Tgid:", "TracerPid:", "Uid:"
// real effective ...), -1 if unreadable.
long status_field(pid_t pid, std::string_view key, int nth = 0) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string word;
  while (in >> word) {
    if (word == key) {
      long v = -1;
      for (int i = 0; i <= nth; ++i) in >> v;
      return in ? v : -1;
    }
    in.ignore(4096, '\n');
  }
  return -1;
}

pid_t read_tgid(pid_t tid) {
  const long tgid = status_field(tid, "Tgid:");
  return tgid > 0 ? static_cast<pid_t>(tgid) : 0;
}

// seccomp(2) on any ABI: what installs filters for other threads too (TSYNC).
bool is_seccomp_call(const Syscall& call) {
  static const CallNumbers seccomp("seccomp");
  return seccomp.is(call);
}

bool installs_own_filter(const Syscall& call) {
  static const CallNumbers prctl("prctl");
  return is_seccomp_call(call) || (prctl.is(call) && (call.args[0] & 0xffffffff) == PR_SET_SECCOMP);
}

// The calls that open a file by path (their result is a descriptor for the object).
bool is_open_call(std::string_view name) {
  return name == "open" || name == "openat" || name == "openat2" || name == "creat";
}

// May the call be pointed at the resolved path instead of the bytes it gave? Only a plain path
// (path_walk.hpp) for a call whose last component is a name, not "." or ".." or a trailing
// slash (rmdir("d/.") must stay EINVAL), and never for exec (the interpreter of a script gets
// the path as given).
bool pin_resolved(const PathArg& p, std::string_view call_name) {
  if (!p.plain || p.err || p.path.size() >= PATH_MAX || p.raw.empty() || p.raw.back() == '/')
    return false;
  if (call_name == "execve" || call_name == "execveat" || call_name == "uselib") return false;
  const auto slash = p.raw.rfind('/');
  const std::string_view last =
      slash == std::string::npos ? std::string_view(p.raw) : std::string_view(p.raw).substr(slash + 1);
  return last != "." && last != "..";
}

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

// clone3(2) on any ABI (guard.hpp CloneArgs).
bool is_clone3_call(const Syscall& call) {
  static const CallNumbers clone3("clone3");
  return clone3.is(call);
}

// Whether two processes share one address space (a CLONE_VM clone: vfork, posix_spawn). kcmp
// needs CONFIG_KCMP; without it the answer is "no", which is safe: the child's copy is then
// verified against its maps, and an attach that finds the area already there takes it.
bool shares_address_space(pid_t a, pid_t b) {
  return syscall(SYS_kcmp, a, b, KCMP_VM, 0, 0) == 0;
}

std::string read_comm(pid_t tid) {
  std::ifstream in("/proc/" + std::to_string(tid) + "/comm");
  std::string comm;
  std::getline(in, comm);
  return comm.empty() ? "?" : comm;
}

// Is this stop, of a thread inside a nesting chain, the chain's own call? Only the step we
// reissued, from the original call's syscall instruction with our first argument, or that call
// stopping again at its seccomp stop. A signal handler's calls run in between: they are not.
bool nest_stop_is_ours(ThreadState::NestChain& c, const SyscallStopInfo& info) {
  if (c.foreign_in_flight) return false;
  if (c.ours_in_flight) return true;
  if (info.op == SyscallOp::entry && info.abi == Abi::x86_64 && info.call.nr == c.expect_nr &&
      info.call.args[0] == c.expect_a0 && info.ip == c.ip) {
    c.ours_in_flight = true;
    return true;
  }
  return false;
}

class Tracer {
 public:
  explicit Tracer(const TracerOptions& opts)
      : opts_(opts), exec_rules_(opts.policy && has_exec_path_rules(*opts.policy)) {
    for (const CallObserver* o : opts_.observers) want_paths_ = want_paths_ || o->wants_paths();
  }
  RunResult run(const std::vector<std::string>& argv);
  RunResult attach(pid_t pid);  // xpledge attach (its own section below)

 private:
  pid_t spawn(const std::vector<std::string>& argv, const std::vector<unsigned char>* filter,
              std::string& error);
  void loop();
  void handle(pid_t tid, int status);
  ThreadState& adopt(pid_t tid);

  void on_new_child(ThreadState& parent);
  void note_interrupted_call(ThreadState& t);
  void restore_restarted_paths(ThreadState& t, const Syscall& call);
  void check_exec_images(ThreadState& t);
  static void append_script_chain(pid_t tid, const std::string& target,
                                  std::vector<ExecImage>& images);
  std::vector<std::string> other_names(const ExecImage& image, const std::string& dir);
  OtherNamesFn other_names_fn() {
    return [this](const ExecImage& i, const std::string& d) { return other_names(i, d); };
  }
  std::optional<ExecRefusal> judge_exec_mapping(ThreadState& t, const Syscall& call);
  void verify_exec_mapping(ThreadState& t, const SyscallStopInfo& info);
  void on_exec(ThreadState& t);
  void on_gone(pid_t tid, const Stop& stop);
  // What is held for a tid that has ended: its path scratch slot, its kept memory file.
  void release_tid(pid_t tid) {
    scratch_.release(tid);
    forget_tracee_memory(tid);
  }
  void on_syscall(ThreadState& t, bool seccomp_stop);
  void on_syscall_exit(ThreadState& t, const SyscallStopInfo& info);
  void enforce(ThreadState& t, const SyscallStopInfo& info, const Verdict& v, bool seccomp_stop,
               const std::vector<PathArg>& paths);
  void release_embryo(ThreadState& t, const std::shared_ptr<ProcessState>& proc);
  void reap_orphan_embryos();
  GuardContext guard_context(const ThreadState& t, const Syscall& call) const;
  Verdict apply_guard(ThreadState& t, const Syscall& call, const Verdict& v);
  bool verify_scratch(ThreadState& t);
  void plan_exit_check(ThreadState& t, const Syscall& call, const SyscallSig& sig,
                       const std::vector<PathArg>& paths, bool resolved_open,
                       bool truncate_at_exit = false);
  void verify_exit(ThreadState& t, const ThreadState::ExitCheck& c, const SyscallStopInfo& info);
  bool pin_paths(ThreadState& t, const SyscallStopInfo& info, const SyscallSig* sig,
                 const std::vector<PathArg>& paths, bool seccomp_stop);
  void on_clone3(ThreadState& t, const SyscallStopInfo& info, bool seccomp_stop);
  void on_scratch_attached(ThreadState& t, const SyscallStopInfo& info);
  Verdict pledge_verdict(ThreadState& t, const CallContext& ctx, const Verdict& v);
  void on_xpledge(ThreadState& t, const SyscallStopInfo& info, bool seccomp_stop);
  void on_xunveil(ThreadState& t, const SyscallStopInfo& info, bool seccomp_stop);
  Verdict unveil_verdict(const ThreadState& t, const std::vector<PathArg>& paths,
                         const Verdict& v);
  bool inject_pledge_filter(ThreadState& t, const PromiseSet& set, std::string& why);
  void on_filter_injected(ThreadState& t, const SyscallStopInfo& info);
  void on_exec_filter(ThreadState& t, const SyscallStopInfo& info);
  bool park_if_filters_busy(ThreadState& t, const SyscallStopInfo& info, bool seccomp_stop);
  void unpark(const std::shared_ptr<ProcessState>& proc);
  enum class Area : std::uint8_t { ready, attaching, unavailable };
  Area attach_scratch(ThreadState& t, std::string& why);
  Area stack_pledge_filter(ThreadState& t, const PromiseSet& set, std::string& why);
  bool landlock_nesting() const { return confine_.landlock_abi > 0; }
  void start_nest(ThreadState& t, const SyscallStopInfo& info, bool for_xpledge);
  void on_nest_step(ThreadState& t, const SyscallStopInfo& info);
  bool multithreaded(const std::shared_ptr<ProcessState>& proc) const;
  static PromiseArg read_promise_arg(pid_t tid, std::uint64_t addr);
  static const PromiseCatalogue& catalogue();

  void resume(pid_t tid, int sig = 0);
  void log_event(const ThreadState& t, const Syscall& call, const Verdict& v,
                 const std::vector<PathArg>& paths, bool permissive = false);
  void warn_unknown_once(ThreadState& t, const Syscall& call);
  void notify(const ThreadState& t, const Syscall& call, const Verdict& v,
              const std::vector<PathArg>& paths);
  std::string explain(const CallContext& ctx);

  // xpledge attach.
  bool seize_threads(const std::shared_ptr<ProcessState>& proc, std::string& error);
  void attach_loop();
  void detach_all(int why);
  void finish_and_detach(pid_t tid, int status, std::unordered_set<pid_t>& waiting,
                         std::unordered_set<pid_t>& detached_early);

  TracerOptions opts_;
  bool want_paths_ = false;
  pid_t self_pid_ = getpid();
  pid_t self_pgid_ = getpgrp();
  pid_t main_pid_ = 0;
  RunResult result_;
  std::unordered_map<pid_t, ThreadState> threads_;
  PathScratch scratch_;
  bool openat2_reaches_kernel_ = true;  // false: filters we were started under refuse it
  ConfinePlan confine_{};  // what the child's Landlock domain is (none under attach)
  const bool exec_rules_;  // the policy has exec path rules: judged again at each exec event
  bool scan_warned_ = false;  // other_names hit its bound once (said once per run)
  // (ABI, number) pairs refused as unknown so far: each is logged once per run.
  std::set<std::pair<Abi, std::int64_t>> unknown_seen_;
};

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
  // The allow-list's trees, opened here: the child may only make raw system calls.
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
    // Between fork and exec only async-signal-safe work and our own setenv (single-threaded).
    const std::string me = std::to_string(self), child = std::to_string(getpid());
    for (const char* var : {"LISTEN_PID", "WATCHDOG_PID"}) {
      const char* v = getenv(var);
      if (v && me == v) setenv(var, child.c_str(), 1);
    }
    char go = 0;
    if (read(sync[0], &go, 1) != 1) _exit(125);  // the supervisor could not seize us
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
  struct sigaction sa {};
  sa.sa_sigaction = forward_signal;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  for (int sig : kForwardedSignals) sigaction(sig, &sa, nullptr);
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
  g_child_pid = main_pid_;
  // The terminal's job control must not stop us: a tracee can make our process group a
  // background one (TIOCSPGRP to a group of its own) and set TOSTOP, and our next log line
  // would draw SIGTTOU. Ignored (not caught: a caught SIGTTOU restarts the write for ever),
  // after the fork, so that the program keeps its own dispositions. ^Z (SIGTSTP) still stops us
  // with the program.
  signal(SIGTTOU, SIG_IGN);
  signal(SIGTTIN, SIG_IGN);
  loop();
  g_child_pid = 0;
  return result_;
}

void Tracer::loop() {
  for (;;) {
    int status = 0;
    const pid_t tid = waitpid(-1, &status, __WALL);
    if (tid < 0) {
      if (errno == EINTR) continue;
      if (errno != ECHILD) opts_.log->error(fmt::format("waitpid: {}", std::strerror(errno)));
      return;
    }
    handle(tid, status);
  }
}

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

void Tracer::handle(pid_t tid, int status) {
  auto it = threads_.find(tid);
  if (it == threads_.end()) {
    if (!WIFSTOPPED(status)) {
      if (tid == main_pid_) on_gone(tid, classify_stop(status, false));
      return;  // a thread that died unnoticed (e.g. swept away by another thread's execve)
    }
    it = threads_.find(adopt(tid).tid);
  }
  ThreadState& t = it->second;
  const Stop stop = classify_stop(status, t.awaiting_initial_stop);
  switch (stop.kind) {
    case StopKind::exited:
    case StopKind::killed: on_gone(tid, stop); return;
    case StopKind::syscall: on_syscall(t, false); return;
    case StopKind::seccomp: on_syscall(t, true); return;
    case StopKind::fork:
    case StopKind::vfork:
    case StopKind::clone: on_new_child(t); return;
    case StopKind::exec: on_exec(t); return;
    case StopKind::other_event:
    case StopKind::interrupt_stop: resume(tid); return;
    case StopKind::initial_stop:
      t.awaiting_initial_stop = false;
      if (t.embryo) {
        // Held until the parent's event says whose child it is. Its parent may have been
        // killed, and reaped, before this first stop of the child came: then nothing else
        // would ever look at it again.
        reap_orphan_embryos();
        return;
      }
      resume(tid);
      return;
    case StopKind::group_stop:
      // Stay stopped (job control works) but let the kernel wake it on SIGCONT.
      ptrace(PTRACE_LISTEN, tid, nullptr, nullptr);
      return;
    case StopKind::signal_delivery:
      note_interrupted_call(t);
      resume(tid, stop.signal);
      return;
  }
}

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
        !rewrite_syscall(t.tid, regs, o->nr, {o->args[0], o->args[1], o->args[2], o->args[3]}))
      kill(t.proc ? t.proc->tgid : t.tid, SIGKILL);  // cannot leave it half-rewritten
    return;
  }
  if (t.restartable.size() >= kMaxRestartable) t.restartable.erase(t.restartable.begin());
  t.restartable.push_back(*t.last_pinned);
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
    t.restartable.resize(i);  // it and the handlers' calls after it are over
    return;
  }
}

void Tracer::on_new_child(ThreadState& parent) {
  unsigned long msg = 0;
  const pid_t parent_tid = parent.tid;
  if (ptrace(PTRACE_GETEVENTMSG, parent_tid, nullptr, &msg) == 0 && msg != 0) {
    const auto child = static_cast<pid_t>(msg);
    forget_tracee_memory(child);  // a reused tid: nothing kept for its last owner is its
    const pid_t tgid = read_tgid(child);
    if (tgid <= 0) {
      // Thread or process? Without the answer the child would start with the wrong state (a
      // narrowed process's thread as an unpledged process): it does not start at all. (A tracee
      // once made /proc unreadable to us by lowering our RLIMIT_NOFILE with prlimit64.)
      opts_.log->error(fmt::format("pid {}: cannot read the thread group of its new child {}: "
                                   "the child is killed", parent_tid, child));
      kill(child, SIGKILL);
      resume(parent_tid);
      return;
    }
    std::shared_ptr<ProcessState> proc = parent.proc;
    if (tgid != parent.proc->tgid) {
      // A new process inherits its parent's state (pledge promises), as a copy; its address
      // space is its parent's (CLONE_VM) or a copy to be verified.
      proc = std::make_shared<ProcessState>(*parent.proc);
      proc->tgid = child;
      // What other threads of the parent are doing is not the child's: it has one thread.
      proc->filter_injector = 0;
      proc->seccomp_running = 0;
      proc->nest_chains = 0;
      proc->parked.clear();
      if (!shares_address_space(parent.proc->tgid, child)) {
        proc->mm = std::make_shared<AddressSpace>();
        if (parent.proc->mm->scratch != AddressSpace::Scratch::absent)
          proc->mm->scratch = AddressSpace::Scratch::inherited;
      }
    }
    auto it = threads_.find(child);
    // The kernel copies the creator's Landlock domain to the new task.
    const int nest_level = parent.nest_level;
    if (it != threads_.end() && it->second.embryo) {
      it->second.nest_level = nest_level;
      release_embryo(it->second, proc);
    } else if (it == threads_.end()) {
      ThreadState t = new_thread(child, proc);
      t.awaiting_initial_stop = true;
      t.nest_level = nest_level;
      threads_.emplace(child, std::move(t));
    }
  }
  resume(parent_tid);  // `parent` may be invalidated by the emplace above
}

void Tracer::release_embryo(ThreadState& t, const std::shared_ptr<ProcessState>& proc) {
  t.proc = proc;
  t.embryo = false;
  if (!t.awaiting_initial_stop) resume(t.tid);  // it already stopped and was held
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
  std::unordered_set<pid_t> live;  // thread groups that can still report a fork event
  for (const auto& [tid, t] : threads_) {
    if (t.embryo && !t.orphan_killed) embryos.push_back(tid);
    else if (t.proc) live.insert(t.proc->tgid);
  }
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

void Tracer::on_exec(ThreadState& t) {
  unsigned long former = 0;
  ptrace(PTRACE_GETEVENTMSG, t.tid, nullptr, &former);
  const pid_t tid = t.tid;
  auto proc = t.proc;
  // The command's own exec is not the policy's business; every later one is.
  const bool judged = proc && !proc->trusted_pre_exec;
  if (former != 0 && static_cast<pid_t>(former) != tid) {
    // execve from a non-leader thread: the kernel gave it the leader's tid. Keep the execing
    // thread's state under the new tid; every other thread of the process is gone.
    auto old = threads_.find(static_cast<pid_t>(former));
    if (old != threads_.end()) {
      ThreadState moved = std::move(old->second);
      moved.tid = tid;
      release_tid(static_cast<pid_t>(former));
      threads_.erase(old);
      threads_[tid] = std::move(moved);
      proc = threads_[tid].proc;
    }
  }
  if (proc) {
    // What the swept threads were doing is over: an injection or seccomp() in flight, parked
    // calls. Left counted, the new image's xpledge() and seccomp() would wait for ever.
    proc->filter_injector = 0;
    proc->seccomp_running = 0;
    proc->nest_chains = 0;
    proc->parked.clear();
    for (auto it = threads_.begin(); it != threads_.end();) {
      if (it->first != tid && it->second.proc == proc) {
        release_tid(it->first);  // swept away by the exec: no exit event will come
        it = threads_.erase(it);
      } else {
        ++it;
      }
    }
    if (!proc->trusted_pre_exec) pledge_on_exec(proc->pledge);
    unveil_on_exec(proc->unveil);
    // The filters stacked for the old promises stay (they survive exec): in seccomp mode a call
    // they allow would run unseen in the new image. Stack one for the execpromises before its
    // first call, unless the kernel already traces everything outside them.
    const auto& now = proc->pledge.promises;
    if (opts_.use_seccomp && now && !(proc->kernel_allows && proc->kernel_allows->subset_of(*now)))
      threads_[tid].exec_filter = *now;
    proc->trusted_pre_exec = false;
    // A new image: a new address space, whoever shared the old one (a vfork parent keeps it).
    proc->mm = std::make_shared<AddressSpace>();
  }
  forget_tracee_memory(tid);  // the memory file kept for it reads the old image
  {
    // Whatever the thread was inside belongs to the old image: a nesting chain it left (an
    // rseq abort, then execve), calls of ours in flight, calls that might restart.
    ThreadState& e = threads_[tid];
    e.nest.reset();
    e.nest_failed = false;
    e.scratch_regs.reset();
    e.last_pinned.reset();
    e.restartable.clear();
    e.exec_map.reset();
  }
  if (judged && exec_rules_) check_exec_images(threads_[tid]);
  threads_[tid].exec_target.clear();
  resume(tid);
}

namespace {


std::string read_small_file(const std::string& path, std::size_t cap) {
  std::string out;
  if (const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
    char chunk[4096];
    for (ssize_t got; out.size() < cap && (got = read(fd, chunk, sizeof chunk)) > 0;)
      out.append(chunk, static_cast<std::size_t>(got));
    close(fd);
  }
  return out;
}

std::optional<std::pair<dev_t, ino_t>> stat_id(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return std::nullopt;
  return std::make_pair(st.st_dev, st.st_ino);
}

}  // namespace

// Exec rules on what the kernel ran (exec_images.hpp): the executable after every symlink, its
// loader, another name of a file a rule names. The image has not run an instruction: refused,
// it is killed (the exec itself cannot be undone), with the record and an error saying why.
void Tracer::check_exec_images(ThreadState& t) {
  const auto orig = exec_event_syscall(t.tid);
  if (!orig) return;  // vanished
  // The call's ABI from its number: x86-64 execve 59 / execveat 322, x32 with its bit, else
  // i386 (int $0x80 from a 64-bit program: 11 / 358).
  static const CallNumbers execve("execve"), execveat("execveat");
  Abi abi = Abi::i386;
  if (*orig & static_cast<std::int64_t>(kX32SyscallBit)) abi = Abi::x32;
  else if (*orig == execve.on(Abi::x86_64) || *orig == execveat.on(Abi::x86_64))
    abi = Abi::x86_64;
  const std::string proc_dir = "/proc/" + std::to_string(t.tid);
  char buf[PATH_MAX];
  const ssize_t n = readlink((proc_dir + "/exe").c_str(), buf, sizeof buf - 1);
  // Unreadable: judged as a file without a name, which no rule allows by name (fail closed).
  const std::string exe = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "(unreadable)";
  const std::string maps = read_small_file(proc_dir + "/maps", 1U << 20);
  std::vector<ExecImage> images;
  for (const std::string& p : exec_image_paths(exe, maps))
    // The executable through its magic link: the file itself, even if renamed or deleted.
    images.push_back({p, images.empty() ? stat_id(proc_dir + "/exe") : stat_id(p)});
  // The kernel ran the file the call named itself (it is /proc/PID/exe): no `#!` chain to read.
  if (t.exec_target != exe) append_script_chain(t.tid, t.exec_target, images);
  const auto refusal =
      judge_exec_images(*opts_.policy, abi, *orig, images, stat_id, other_names_fn());
  if (!refusal) return;
  const std::vector<PathArg> paths{PathArg::of(refusal->image, Access::exec)};
  log_event(t, Syscall{abi, *orig, {}}, refusal->verdict, paths);
  opts_.log->error(fmt::format(
      "pid {}: exec of {} refused by {}: the new image is killed before it runs", t.tid,
      refusal->image, refusal->verdict.rule ? refusal->verdict.rule->describe() : "?"));
  kill(t.tid, SIGKILL);
}

namespace {

// [addr, addr + len) rounded out to whole pages, as the kernel takes it (no overflow).
std::pair<std::uint64_t, std::uint64_t> page_range(std::uint64_t addr, std::uint64_t len) {
  constexpr std::uint64_t kPage = 4096;
  const std::uint64_t lo = addr & ~(kPage - 1);
  const std::uint64_t hi = len > UINT64_MAX - addr - kPage ? UINT64_MAX
                                                           : (addr + len + kPage - 1) & ~(kPage - 1);
  return {lo, hi};
}

}  // namespace

// `ld.so FILE`, or any program mapping a file PROT_EXEC itself, runs FILE without execve: with
// exec path rules the file is judged like an exec image (judge_exec_images) before the mapping
// is made: the fd's real object for mmap, the mappings' files for mprotect. The pre-filter
// stops only such calls (exec_map_unseen). Allowed, the call is judged again at its exit.
std::optional<ExecRefusal> Tracer::judge_exec_mapping(ThreadState& t, const Syscall& call) {
  t.exec_map.reset();
  const ExecMapCall kind = exec_map_call(call);
  if (kind == ExecMapCall::none) return std::nullopt;
  const std::string proc_dir = "/proc/" + std::to_string(t.tid);
  // Unreadable: as if READ_IMPLIES_EXEC were set (the stricter reading).
  unsigned long personality = ~0UL;
  if (const std::string text = read_small_file(proc_dir + "/personality", 64); !text.empty())
    personality = std::strtoul(text.c_str(), nullptr, 16);
  if (!exec_map_wanted(call, personality)) return std::nullopt;
  static const RuleRef kExecMap{"exec:mapping", 0, {}};
  if (kind == ExecMapCall::personality) {
    t.hint = "READ_IMPLIES_EXEC would make file mappings executable unseen";
    return ExecRefusal{Verdict{Action::deny, EPERM, &kExecMap}, {}};
  }
  if (kind == ExecMapCall::old_mmap) {
    t.hint = "i386 mmap reads its arguments from memory: use mmap2";
    return ExecRefusal{Verdict{Action::deny, ENOSYS, &kExecMap}, {}};
  }
  const std::uint64_t word = call.abi == Abi::i386 ? 0xffffffffULL : ~0ULL;
  ThreadState::ExecMapWatch watch{kind, call.abi, call.args[0] & word, call.args[1] & word, {}};
  if (kind == ExecMapCall::mmap) {
    // The fd's real object, whatever names it now; a bad fd maps nothing (the exit verifies).
    const auto fd = static_cast<int>(call.args[4] & 0xffffffffULL);
    const std::string link = proc_dir + "/fd/" + std::to_string(fd);
    char buf[PATH_MAX];
    const ssize_t n = readlink(link.c_str(), buf, sizeof buf - 1);
    // Unreadable (a bad fd, which the kernel refuses anyway, or /proc denied to us): judged as
    // a file with no name, which no rule allows by name (fail closed).
    if (fd < 0 || n <= 0) watch.judged.push_back({"(unreadable)", std::nullopt});
    else watch.judged.push_back({std::string(buf, static_cast<std::size_t>(n)), stat_id(link)});
  } else {
    const auto [lo, hi] = page_range(watch.addr, watch.len);
    const std::string maps = read_small_file(proc_dir + "/maps", 1U << 22);
    if (maps.empty()) watch.judged.push_back({"(unreadable)", std::nullopt});  // fail closed
    for (const MappedFile& m : mapped_files(maps, lo, hi)) watch.judged.push_back({m.path, m.id});
  }
  static const CallNumbers execve("execve");
  const auto refusal = judge_exec_images(*opts_.policy, call.abi, execve.on(call.abi).value_or(-1),
                                         watch.judged, stat_id, other_names_fn());
  if (refusal) {
    // In the call's record (rate-limited like any), not a line of its own: a loop of refused
    // mappings must not flood the log.
    t.hint = "executable mapping of " + refusal->image;
    return refusal;
  }
  t.exec_map = std::move(watch);
  return std::nullopt;
}

// The exit of an allowed executable mapping: every file now mapped executable in its range must
// be one judged at entry (same device and inode; or the same name, for file systems whose maps
// show the backing inode, overlayfs) and pass the rules again. Otherwise the file changed between
// the check and the kernel's use (a dup2 or a MAP_FIXED from another thread): the process is
// killed. Its other threads could run the mapping in that window; docs/SECURITY.md says so.
void Tracer::verify_exec_mapping(ThreadState& t, const SyscallStopInfo& info) {
  const ThreadState::ExecMapWatch w = std::move(*t.exec_map);
  t.exec_map.reset();
  if (info.is_error || !t.proc) return;
  const std::uint64_t addr = w.kind == ExecMapCall::mmap
                                 ? static_cast<std::uint64_t>(info.rval) &
                                       (w.abi == Abi::i386 ? 0xffffffffULL : ~0ULL)
                                 : w.addr;
  const auto [lo, hi] = page_range(addr, w.len);
  const std::string maps = read_small_file("/proc/" + std::to_string(t.tid) + "/maps", 1U << 22);
  std::vector<ExecImage> now;
  for (const MappedFile& m : mapped_files(maps, lo, hi))
    if (m.exec) now.push_back({m.path, m.id});
  static const CallNumbers execve("execve");
  const Abi abi = w.abi;
  std::string what;
  if (maps.empty()) what = "its memory map is unreadable";
  for (const ExecImage& image : now) {
    if (!what.empty()) break;
    // The same name counts only across devices: overlayfs shows its backing inode in maps.
    const bool judged = std::any_of(w.judged.begin(), w.judged.end(), [&](const ExecImage& j) {
      return j.id == image.id ||
             (j.path == image.path && j.id && image.id && j.id->first != image.id->first);
    });
    if (!judged) what = fmt::format("{} was mapped, not the file judged at entry", image.path);
  }
  if (const auto r = what.empty() ? judge_exec_images(*opts_.policy, abi,
                                                      execve.on(abi).value_or(-1), now, stat_id,
                                                      other_names_fn())
                                  : std::nullopt)
    what = fmt::format("{} is refused by {}", r->image, r->verdict.rule ? r->verdict.rule->describe()
                                                                        : "?");
  if (what.empty()) return;
  // Every process of the address space: a CLONE_VM sibling (vfork, posix_spawn, a clone of its
  // own) would keep the mapping and could run it once the caller is gone.
  opts_.log->error(fmt::format("pid {}: executable mapping changed under the check ({}): every "
                               "process of its address space is killed", t.tid, what));
  std::set<pid_t> tgids;
  for (const auto& [tid, other] : threads_)
    if (other.proc && other.proc->mm == t.proc->mm) tgids.insert(other.proc->tgid);
  for (const pid_t tgid : tgids) kill(tgid, SIGKILL);
}

// A `#!` script runs as its interpreter: /proc/PID/exe is the last interpreter of the chain, and
// the scripts are in no mapping. The chain is walked again from the file the call named (after
// every symlink: realpath), each script judged by its real name and its device and inode, each
// interpreter it names too. Read after the exec, through the supervisor's view of the
// filesystem (the tracee's root is ours unless it chroots): docs/SECURITY.md says what that
// leaves.
void Tracer::append_script_chain(pid_t tid, const std::string& target,
                                 std::vector<ExecImage>& images) {
  std::string file = target;
  for (int depth = 0; depth < kMaxScriptDepth && !file.empty(); ++depth) {
    if (file.front() != '/') {
      // A relative interpreter is the kernel's open from the process's cwd.
      char cwd[PATH_MAX];
      const ssize_t n =
          readlink(("/proc/" + std::to_string(tid) + "/cwd").c_str(), cwd, sizeof cwd - 1);
      if (n <= 0) return;
      file = normalise_path(std::string_view(cwd, static_cast<std::size_t>(n)), file);
    }
    char real[PATH_MAX];
    if (!realpath(file.c_str(), real)) return;
    const int fd = open(real, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return;
    char head[256];
    const ssize_t n = read(fd, head, sizeof head);
    struct stat st {};
    const bool have_id = fstat(fd, &st) == 0;
    close(fd);
    const auto interp = shebang_interpreter(
        n > 0 ? std::string_view(head, static_cast<std::size_t>(n)) : std::string_view{});
    if (!interp) return;  // an executable: /proc/PID/exe and the maps judged it
    images.push_back({real, have_id ? std::optional(std::make_pair(st.st_dev, st.st_ino))
                                    : std::nullopt});
    file = *interp;
  }
}

// Another name of an image under the literal directory of a deny glob (judge_exec_images): a
// hard link out of a denied tree. Looked for only when the file has other links and lives on
// that directory's device (no hard link crosses one), by a walk that does not follow symlinks
// or leave the device, bounded: past kMaxEntries the rest is not searched (said once).
std::vector<std::string> Tracer::other_names(const ExecImage& image, const std::string& dir) {
  constexpr std::size_t kMaxEntries = 20000;
  constexpr std::size_t kMaxDepth = 32;
  if (!image.id) return {};
  struct stat st {};
  if (stat(image.path.c_str(), &st) == 0 && std::make_pair(st.st_dev, st.st_ino) == *image.id &&
      st.st_nlink <= 1)
    return {};
  if (stat(dir.c_str(), &st) != 0 || st.st_dev != image.id->first) return {};
  std::vector<std::string> found;
  std::vector<std::pair<std::string, std::size_t>> todo{{dir, 0}};
  std::size_t seen = 0;
  while (!todo.empty()) {
    auto [path, depth] = std::move(todo.back());
    todo.pop_back();
    DIR* d = opendir(path.c_str());
    if (!d) continue;
    while (const dirent* e = readdir(d)) {
      const std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      if (++seen > kMaxEntries) {
        closedir(d);
        if (!scan_warned_) {
          scan_warned_ = true;
          opts_.log->warn(fmt::format("more than {} entries under {}: hard links to a file a deny "
                                      "glob names are not searched past them", kMaxEntries, dir));
        }
        return found;
      }
      const std::string child = (path == "/" ? "" : path) + "/" + std::string(name);
      if (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN) {
        if (lstat(child.c_str(), &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
          if (st.st_dev == image.id->first && depth + 1 < kMaxDepth) todo.emplace_back(child, depth + 1);
          continue;
        }
      } else if (e->d_type != DT_REG || e->d_ino != image.id->second ||
                 lstat(child.c_str(), &st) != 0) {
        continue;
      }
      if (S_ISREG(st.st_mode) && std::make_pair(st.st_dev, st.st_ino) == *image.id)
        found.push_back(child);
    }
    closedir(d);
  }
  return found;
}

void Tracer::on_gone(pid_t tid, const Stop& stop) {
  const bool was_embryo = [&] {
    const auto it = threads_.find(tid);
    return it != threads_.end() && it->second.embryo;
  }();
  if (const auto it = threads_.find(tid); it != threads_.end() && it->second.proc) {
    // Killed inside a seccomp() of its own or an injected one: the others need not wait.
    const auto proc = it->second.proc;
    if (it->second.watch_seccomp) --proc->seccomp_running;
    if (it->second.nest) --proc->nest_chains;
    if (proc->filter_injector == tid) proc->filter_injector = 0;
    threads_.erase(it);
    unpark(proc);
  }
  threads_.erase(tid);
  release_tid(tid);
  if (!was_embryo) reap_orphan_embryos();
  if (tid == main_pid_) {
    result_.kind = stop.kind == StopKind::exited ? RunResult::Kind::exited
                                                 : RunResult::Kind::signaled;
    result_.code = stop.kind == StopKind::exited ? stop.exit_code : stop.signal;
    g_child_pid = 0;
  }
}

void Tracer::on_syscall(ThreadState& t, bool seccomp_stop) {
  SyscallStopInfo info;
  if (!get_syscall_info(t.tid, info)) return;  // vanished (SIGKILL): an event, not an error
  if (info.op == SyscallOp::exit) {
    on_syscall_exit(t, info);
    resume(t.tid);
    return;
  }
  if ((info.op != SyscallOp::entry && info.op != SyscallOp::seccomp) || !t.proc ||
      t.proc->trusted_pre_exec) {
    resume(t.tid);
    return;
  }
  if (t.injected || t.scratch_regs) {
    // Our own injected call stopping again (the tracee's own filter said SECCOMP_RET_TRACE):
    // let it run; its exit stop tells what it did. (These are injected at the stop itself and
    // end at their exit stop: the thread runs no code of its own in between.)
    resume(t.tid);
    return;
  }
  if (t.nest) {
    if (nest_stop_is_ours(*t.nest, info)) {
      resume(t.tid);
      return;
    }
    if (t.nest->blocked) {
      // Signals are blocked: no handler runs inside the chain, so the thread left it by itself
      // (an rseq abort moved it off the syscall instruction, or a sibling rewrote the signal
      // set): it runs with the chain's registers, nothing it does can be trusted to be ours.
      opts_.log->error(fmt::format("pid {}: left its Landlock nesting chain (rseq abort?): its "
                                   "process is killed", t.tid));
      kill(t.proc->tgid, SIGKILL);
      resume(t.tid);
      return;
    }
    // The thread's own call between two steps of the chain (a signal handler's, the mask not
    // set): judged like any other, at its seccomp stop if the filters stop it (seccomp mode).
    t.nest->foreign_in_flight = true;
    if (info.op == SyscallOp::entry && opts_.use_seccomp) {
      resume(t.tid);
      return;
    }
    // Refused: any call of a thread catching up with its process's narrowing (it must not run
    // a call before it is nested), and what would need a chain or injection of its own.
    static const RuleRef kNest{"pledge:nest", 0, {}};
    if (!t.nest->for_xpledge || t.nest_level < t.proc->nest_level ||
        (info.abi == Abi::x86_64 && info.call.nr == kSysXpledge) || is_seccomp_call(info.call)) {
      enforce(t, info, Verdict{Action::deny, EINTR, &kNest}, seccomp_stop, {});
      return;
    }
  }
  if (t.exec_filter) {
    on_exec_filter(t, info);
    return;
  }
  if (!t.nest && t.nest_level < t.proc->nest_level && landlock_nesting()) {
    // Its process narrowed while it ran: it joins the nested domain before this call runs (an
    // i386 call cannot carry the injected x86-64 ones: refused until an x86-64 call comes).
    if (info.abi == Abi::x86_64) {
      if (t.proc->filter_injector != 0 || t.proc->seccomp_running > 0) {
        t.parked_at_seccomp_stop = seccomp_stop;  // its filter count would not be ours alone
        t.proc->parked.push_back(t.tid);
        return;
      }
      start_nest(t, info, false);
    } else {
      static const RuleRef kNest{"pledge:nest", 0, {}};
      enforce(t, info, Verdict{Action::deny, EAGAIN, &kNest}, seccomp_stop, {});
    }
    return;
  }
  if (opts_.use_seccomp && park_if_filters_busy(t, info, seccomp_stop)) return;
  if (info.abi == Abi::x86_64 && info.call.nr == kSysXpledge) {
    on_xpledge(t, info, seccomp_stop);
    return;
  }
  if (info.abi == Abi::x86_64 && info.call.nr == kSysXunveil) {
    on_xunveil(t, info, seccomp_stop);
    return;
  }
  // clone3 through the syscall instruction (x86-64, x32), where the injected shmat that pins its
  // struct can be issued; an i386 one, or any without a scratch area, gets the guard's ENOSYS.
  if (info.abi && info.call.abi != Abi::i386 && scratch_.ready() && is_clone3_call(info.call)) {
    on_clone3(t, info, seccomp_stop);
    return;
  }
  std::vector<PathArg> paths;
  const SyscallSig* sig = nullptr;
  Verdict v;
  bool guarded = false;
  bool paths_checked = false;
  if (!info.abi) {
    // An arch this host should not have: never allowed.
    static const RuleRef kUnknownArch{"abi", 0, {}};
    v = Verdict{Action::deny, ENOSYS, &kUnknownArch};
  } else {
    const auto& pledged = t.proc->pledge.promises;
    paths_checked = opts_.policy->needs_paths(info.call.abi, info.call.nr) ||
                    (pledged && catalogue().needs_paths(*pledged, info.call.abi, info.call.nr)) ||
                    t.proc->unveil.active;
    if (paths_checked && !t.restartable.empty()) restore_restarted_paths(t, info.call);
    if (paths_checked || want_paths_) {
      // The signature once per stop, for the resolution and the pinning.
      sig = syscall_sig(syscall_name(info.call.abi, info.call.nr));
      paths = resolve_path_args(t.tid, info.call, sig, opts_.policy->impl().dir_anchors);
    }
    if (paths_checked && t.proc && !t.proc->warned_no_view &&
        std::any_of(paths.begin(), paths.end(), [](const PathArg& p) { return p.no_view; })) {
      t.proc->warned_no_view = true;
      opts_.log->error(fmt::format(
          "pid {}: cannot read /proc/{}/root (the program made itself not dumpable?): its "
          "path-checked calls are judged as unresolved paths (deny rules hold, allow rules do not)",
          t.tid, t.tid));
    }
    CallContext ctx{judged_as(info.call), paths};
    ctx.tgid = t.proc->tgid;
    v = opts_.policy->evaluate(ctx);
    const Verdict before_guard = v;
    v = apply_guard(t, info.call, v);
    if (v.action == Action::allow || v.action == Action::log)
      if (const Rule* r = opts_.policy->moves_out_of_denied_tree(ctx)) {
        static const RuleRef kDeniedTree{"guard:denied-tree", 0, {}};
        v = Verdict{Action::deny, r->err.value_or(opts_.policy->impl().err), &kDeniedTree};
      }
    guarded = v.rule != before_guard.rule;
    v = pledge_verdict(t, ctx, v);
    v = unveil_verdict(t, paths, v);
    if (opts_.log->verbosity() > 0 && t.hint.empty() &&
        (v.action == Action::deny || v.action == Action::kill) && !guarded)
      t.hint = explain(ctx);
    const bool runs = v.action == Action::allow || v.action == Action::log;
    static const CallNumbers execve("execve"), execveat("execveat");
    if (exec_rules_ && (execve.is(info.call) || execveat.is(info.call)))
      // Each exec call says anew what its exec event walks: a failed one leaves nothing.
      // The file it names as the kernel reaches it (path_walk.hpp), where its `#!` chain starts.
      t.exec_target = runs && !paths.empty() && !paths[0].err ? paths[0].path : std::string{};
    if (exec_rules_ && runs) {
      if (auto refusal = judge_exec_mapping(t, info.call)) {
        v = refusal->verdict;
        if (!refusal->image.empty())
          paths = {PathArg::of(refusal->image, Access::exec)};
      }
    }
  }
  if (v.rule == &opts_.policy->impl().unknown_ref) warn_unknown_once(t, info.call);
  notify(t, info.call, v, paths);
  if (opts_.permissive && !guarded && (v.action == Action::deny || v.action == Action::kill)) {
    // Observe, do not enforce: the call runs; the record says what would have happened.
    log_event(t, info.call, v, paths, true);
    t.hint.clear();
    resume(t.tid);
    return;
  }
  if (paths_checked && (v.action == Action::allow || v.action == Action::log) &&
      !pin_paths(t, info, sig, paths, seccomp_stop))
    return;  // the scratch area is being attached (the call restarts), or the call was refused
  enforce(t, info, v, seccomp_stop, paths);
}

bool Tracer::pin_paths(ThreadState& t, const SyscallStopInfo& info, const SyscallSig* sig,
                       const std::vector<PathArg>& paths, bool seccomp_stop) {
  t.exit_check.reset();
  if (paths.empty() || !sig) return true;
  // i386 calls come through int $0x80, where an injected x86-64 shmat cannot be issued; they
  // are not pinned (docs/SECURITY.md), only checked again at exit.
  if (!scratch_.ready() || info.call.abi == Abi::i386) {
    plan_exit_check(t, info.call, *sig, paths, false);
    return true;
  }
  static const RuleRef kScratchRule{"guard:path-scratch", 0, {}};
  const auto refuse = [&](int err, const std::string& why) {
    if (!why.empty()) opts_.log->error(fmt::format("pid {}: {}; refusing the call", t.tid, why));
    enforce(t, info, Verdict{Action::deny, err, &kScratchRule}, seccomp_stop, paths);
    return false;
  };
  std::string why;
  switch (attach_scratch(t, why)) {
    case Area::ready: break;
    case Area::attaching: return false;
    case Area::unavailable: return refuse(EAGAIN, why);
  }
  const auto specs = sig->path_args();
  // An open of a plain path becomes openat2(AT_FDCWD, resolved path, RESOLVE_NO_SYMLINKS |
  // RESOLVE_NO_MAGICLINKS): a symlink put in its way after the check fails it (ELOOP) instead
  // of leading elsewhere.
  const std::optional<std::string> how =
      t.proc && !t.proc->own_filters && is_open_call(sig->name) && pin_resolved(paths[0], sig->name)
          ? no_symlinks_open_how(sig->name, info.call, paths[0].open_how)
          : std::nullopt;
  // An open the kernel resolves by itself is checked at its exit stop, after the kernel ran it:
  // its O_TRUNC would empty whatever a symlink swapped in after the check leads to (a denied
  // file) before the check sees the race. It is taken off and done at exit, on the file judged.
  const bool truncate_at_exit =
      !how && is_open_call(sig->name) && open_truncates(sig->name, info.call, paths[0].open_how);
  if (truncate_at_exit &&
      (open_call_flags(sig->name, info.call, paths[0].open_how).value_or(0) & O_ACCMODE) ==
          O_RDONLY)
    // Done at exit through the program's own descriptor, which could not write: refused
    // rather than truncated with the supervisor's rights.
    return refuse(EACCES, fmt::format("{} with O_RDONLY|O_TRUNC on a path the kernel resolves "
                                      "by itself (checked at exit)",
                                      sig->name));
  // Such an open is pointed at the path it resolved to, whose last component was no symlink
  // at the check: O_NOFOLLOW makes one swapped in there after the check fail it (ELOOP)
  // instead of leading it, and an O_CREAT, into a denied tree (finding F5). A symlink swapped
  // into a middle component is not covered (docs/SECURITY.md).
  const bool nofollow_at_exit =
      !how && is_open_call(sig->name) && pin_resolved(paths[0], sig->name) &&
      (sig->name == "creat" ||
       !(open_call_flags(sig->name, info.call, paths[0].open_how).value_or(0) & O_NOFOLLOW));
  const std::uint64_t clear_flags = truncate_at_exit ? O_TRUNC : 0;
  const std::uint64_t set_flags = nofollow_at_exit ? O_NOFOLLOW : 0;
  const bool adjust = truncate_at_exit || nofollow_at_exit;
  const auto adjusted_flags = [&](std::uint64_t flags) {
    return (flags & ~clear_flags) | set_flags;
  };
  ThreadState::PinnedCall pinned{info.call, {}, {}, {}, {}};
  for (std::size_t i = 0; i < specs.size() && i < paths.size(); ++i) {
    // A path we could not read or resolve was not checked: the kernel must not read it either
    // (another thread could make it readable in between). Its error is the kernel's own.
    if (paths[i].err) return refuse(paths[i].err, "");
    if (paths[i].walk_err) {
      t.quiet = true;  // the kernel's own answer, not a denial
      return refuse(paths[i].walk_err, "");
    }
    if (paths[i].on_dirfd) continue;  // a NULL path stays NULL: no bytes to change
    const std::string& bytes =
        pin_resolved(paths[i], sig->name) ? paths[i].path : paths[i].raw;
    const auto at = scratch_.pin(t.tid, i, bytes);
    if (!at) return refuse(EAGAIN, fmt::format("no path scratch slot free ({} threads hold one)",
                                               PathScratch::kSlots));
    const int arg = how ? 1 : specs[i].path_arg;
    if (!how && !set_syscall_arg(t.tid, info.call.abi, arg, *at))
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
          (!how && !set_syscall_arg(t.tid, info.call.abi, how_arg, *at_how)))
        return refuse(EAGAIN, "cannot pin openat2's struct open_how");
      pinned.call.args[static_cast<std::size_t>(how_arg)] = *at_how;
      pinned.open_how = struct_bytes;
    }
  }
  if (how) {
    static const CallNumbers kOpenat2("openat2");
    const auto nr = kOpenat2.on(info.call.abi);
    pinned.call.args[0] = static_cast<std::uint64_t>(static_cast<std::int64_t>(AT_FDCWD));
    pinned.call.args[3] = how->size();
    SavedRegs regs;
    if (!nr || !save_regs(t.tid, regs) ||
        !rewrite_syscall(t.tid, regs, *nr,
                         {pinned.call.args[0], pinned.call.args[1], pinned.call.args[2],
                          pinned.call.args[3]}))
      return refuse(EAGAIN, "cannot make the open an openat2");
    pinned.rewritten_from = info.call;
    pinned.call.nr = *nr;
  } else if (adjust && sig->name != "openat2") {
    // open/openat: the flag comes off the register; creat, which has none, becomes
    // openat(AT_FDCWD, path, O_CREAT|O_WRONLY, mode). At a signal the program's own call goes
    // back (note_interrupted_call), to be judged again when it restarts.
    static const CallNumbers kOpenat("openat");
    SavedRegs regs;
    bool done = false;
    if (sig->name == "creat") {
      const auto nr = kOpenat.on(info.call.abi);
      const std::array<std::uint64_t, 4> args{
          static_cast<std::uint64_t>(static_cast<std::int64_t>(AT_FDCWD)), pinned.call.args[0],
          adjusted_flags(O_CREAT | O_WRONLY | O_TRUNC), pinned.call.args[1]};
      done = nr && save_regs(t.tid, regs) && rewrite_syscall(t.tid, regs, *nr, args);
      if (done) {
        pinned.call.nr = *nr;
        std::copy(args.begin(), args.end(), pinned.call.args.begin());
      }
    } else {
      const int flags_arg = sig->name == "open" ? 1 : 2;
      auto& flags = pinned.call.args[static_cast<std::size_t>(flags_arg)];
      flags = adjusted_flags(flags);
      done = set_syscall_arg(t.tid, info.call.abi, flags_arg, flags);
    }
    if (!done) return refuse(EAGAIN, "cannot change the open's flags");
    pinned.rewritten_from = info.call;
  } else if (adjust) {
    pinned.rewritten_from = info.call;  // openat2: its struct's own pointer goes back
  }
  plan_exit_check(t, info.call, *sig, paths, how.has_value(), truncate_at_exit);
  t.last_pinned = std::move(pinned);
  return true;
}

// Which allowed path calls are checked again at their exit stop: an open the kernel resolves
// by itself (not made an openat2 without symlinks: a path through /proc, a program with seccomp
// filters of its own, i386), whose descriptor must be the object judged; and, when the policy
// has deny path rules, a rename or link, whose new name must now be the object judged.
void Tracer::plan_exit_check(ThreadState& t, const Syscall& call, const SyscallSig& sig,
                             const std::vector<PathArg>& paths, bool resolved_open,
                             bool truncate_at_exit) {
  if (is_open_call(sig.name) && !resolved_open && !paths.empty()) {
    t.exit_check = ThreadState::ExitCheck{call, paths[0], {}, true, truncate_at_exit};
  } else if (is_move_name(sig.name) && paths.size() == 2 && paths[0].id &&
             opts_.policy->impl().move_guard) {
    t.exit_check = ThreadState::ExitCheck{call, paths[0], paths[1].path, false};
  }
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
                                   t.tid, syscall_name(c.call.abi, c.call.nr), strerror(err),
                                   info.rval));
      set_return_value(t.tid, -err);
    }
  }
  if (!race) return;
  opts_.log->error(fmt::format(
      "pid {}: {} reached {} where the check saw {}: the path changed between the check and the "
      "call (a race); the process is killed",
      t.tid, syscall_name(c.call.abi, c.call.nr), where.empty() ? "?" : where, c.arg.path));
  kill(t.proc ? t.proc->tgid : t.tid, SIGKILL);
}

// clone3: its struct clone_args is read (a size the kernel takes), judged as the clone it makes
// by the policy, the guard and pledge (guard.hpp clone3_as_clone), and pinned as judged, with
// CLONE_UNTRACED cleared, in the thread's scratch slot: another thread rewriting the struct
// after the check changes nothing the kernel reads. The new task is then followed like any
// clone's (PTRACE_O_TRACECLONE/FORK/VFORK report clone3 children too).
void Tracer::on_clone3(ThreadState& t, const SyscallStopInfo& info, bool seccomp_stop) {
  static const RuleRef kClone3{"guard:clone3", 0, {}};
  const Syscall& call = info.call;
  const auto refuse = [&](int err, bool quiet) {
    t.quiet = quiet && opts_.log->verbosity() == 0;
    enforce(t, info, Verdict{Action::deny, err, &kClone3}, seccomp_stop, {});
  };
  // What the kernel would answer without reading anything, or for a struct it cannot read.
  if (const int err = clone3_size_error(call.args[1])) return refuse(err, false);
  // A clone3 the kernel restarts after a signal handler pinned something of its own: its
  // struct goes back into the slot first (as a restarted path call's paths do).
  if (!t.restartable.empty()) restore_restarted_paths(t, call);
  std::string bytes(call.args[1], '\0');
  if (!read_bytes(t.tid, call.args[0], bytes.data(), bytes.size())) return refuse(EFAULT, false);
  const Syscall judged = clone3_as_clone(call.abi, parse_clone_args(bytes));
  CallContext ctx{judged, {}};
  ctx.tgid = t.proc->tgid;
  Verdict v = opts_.policy->evaluate(ctx);
  // A rule that names clone3 itself applies too, and the stricter of the two wins: a policy's
  // `{ syscall: clone3, errno: ENOSYS }` keeps meaning what it says (libc then uses clone).
  // Only a rule of the policy's lists speaks for clone3: its default, and its promises (which
  // judge clone's flags), leave it to the rules on clone.
  const Verdict own = opts_.policy->evaluate(CallContext{call, {}, ctx.tgid});
  if (own.rule &&
      (own.rule->list == "allow" || own.rule->list == "deny" || own.rule->list == "kill" ||
       own.rule->list == "log") &&
      own.action > v.action)
    v = own;
  const RuleRef* untraced = nullptr;  // the guard's rule when CLONE_UNTRACED is cleared
  bool guarded = false;
  if (const auto g = guard_check(judged, guard_context(t, judged), v)) {
    if (g->action == GuardAction::strip_untraced) {
      untraced = g->rule;
    } else if (v.action == Action::allow || v.action == Action::log) {
      v = Verdict{Action::deny, g->err, g->rule};
      guarded = true;
    }
  }
  v = pledge_verdict(t, ctx, v);
  if (opts_.log->verbosity() > 0 && t.hint.empty() &&
      (v.action == Action::deny || v.action == Action::kill) && !guarded)
    t.hint = explain(ctx);
  notify(t, judged, v, {});
  const bool refused = v.action == Action::deny || v.action == Action::kill;
  if (refused && !(opts_.permissive && !guarded)) {
    enforce(t, info, v, seccomp_stop, {});
    return;
  }
  // It runs: from the pinned copy only (also under --permissive: the guard holds there too).
  std::string why;
  switch (attach_scratch(t, why)) {
    case Area::ready: break;
    case Area::attaching: t.hint.clear(); return;  // the call restarts and is decided anew
    case Area::unavailable:
      t.hint.clear();
      return refuse(ENOSYS, true);  // cannot pin: libc falls back to clone, as before
  }
  const std::string pinned = clone3_pinned_bytes(bytes);
  const auto at = scratch_.pin_bytes(t.tid, 0, pinned);
  if (!at || !set_syscall_arg(t.tid, call.abi, 0, *at)) {
    opts_.log->error(fmt::format("pid {}: cannot pin clone3's struct clone_args; refusing the call",
                                 t.tid));
    t.hint.clear();
    return refuse(EAGAIN, false);
  }
  ThreadState::PinnedCall record{call, {}, {}, pinned, {}};
  record.call.args[0] = *at;
  t.last_pinned = std::move(record);
  if (untraced) log_event(t, call, Verdict{Action::log, 0, untraced}, {});
  if (refused) {
    log_event(t, call, v, {}, true);  // permissive: observed, not enforced
    t.hint.clear();
    resume(t.tid);
    return;
  }
  enforce(t, info, v, seccomp_stop, {});
}

// Whether the scratch area is attached in t's address space, and if not, attaches it: the
// current call becomes shmat(id, kAddr, SHM_RDONLY) and runs again from the start once it is
// done (on_scratch_attached), to be decided anew (`attaching`: t was resumed). Stopped, the
// thread cannot change its uid before the attach runs. `unavailable`: refuse the call with
// EAGAIN (`why` says why, empty if it was said already).
Tracer::Area Tracer::attach_scratch(ThreadState& t, std::string& why) {
  using Scratch = AddressSpace::Scratch;
  if (!scratch_.ready()) {
    why = "there is no path scratch area (System V shared memory is unavailable)";
    return Area::unavailable;
  }
  if (t.proc->mm->scratch == Scratch::inherited && !verify_scratch(t)) return Area::unavailable;
  if (t.proc->mm->scratch == Scratch::failed) return Area::unavailable;
  if (t.proc->mm->scratch == Scratch::mapped) return Area::ready;
  if (t.nest) {
    // A signal handler's call inside a nesting chain: no injection of its own in between.
    why = "its thread is inside a Landlock nesting chain";
    return Area::unavailable;
  }
  const long euid = status_field(t.tid, "Uid:", 1);
  if (euid < 0) {
    why = "cannot read its uid to admit it to the scratch area";
    return Area::unavailable;
  }
  if (std::string err; !scratch_.admit(static_cast<uid_t>(euid), err)) {
    why = "cannot admit it to the scratch area: " + err;
    return Area::unavailable;
  }
  SavedRegs regs{};
  if (!save_regs(t.tid, regs) ||
      !rewrite_syscall(t.tid, regs, SYS_shmat,
                       {static_cast<std::uint64_t>(scratch_.id()), PathScratch::kAddr,
                        SHM_RDONLY})) {
    why = "cannot inject the scratch area's shmat";
    return Area::unavailable;
  }
  t.scratch_regs = regs;
  t.scratch_generation = scratch_.generation();
  resume(t.tid);  // to the injected call's exit stop
  return Area::attaching;
}

// Two tracees of different users attaching at once take turns; this bounds a livelock.
constexpr int kScratchRetries = 64;

void Tracer::on_scratch_attached(ThreadState& t, const SyscallStopInfo& info) {
  const SavedRegs regs = *t.scratch_regs;
  t.scratch_regs.reset();
  AddressSpace& mm = *t.proc->mm;
  if (static_cast<std::uint64_t>(info.rval) == PathScratch::kAddr) {
    mm.scratch = AddressSpace::Scratch::mapped;
  } else if (info.rval == -EACCES && scratch_.generation() != t.scratch_generation &&
             ++mm.scratch_retries <= kScratchRetries) {
    // Another user's tracee was admitted while this attach was in flight: the call restarts
    // and pin_paths() admits this one again.
  } else if (info.rval == -EINVAL && scratch_.seen_in(t.tid) == PathScratch::Seen::ours) {
    // Something is at kAddr already, and it is the area: another process sharing this address
    // space attached it (a CLONE_VM clone we could not tell from a fork).
    mm.scratch = AddressSpace::Scratch::mapped;
  } else {
    mm.scratch = AddressSpace::Scratch::failed;
    opts_.log->error(fmt::format(
        "pid {}: cannot attach the path scratch area at {:#x} ({}): its path-checked calls are "
        "refused with EAGAIN", t.proc->tgid, PathScratch::kAddr,
        info.rval < 0 ? std::strerror(static_cast<int>(-info.rval)) : "another address"));
  }
  restore_regs_and_restart(t.tid, regs);
}

// An inherited attachment, checked before the first pin in this address space: ours -> mapped;
// nothing there -> absent (attached anew); anything else -> failed. False if failed.
bool Tracer::verify_scratch(ThreadState& t) {
  AddressSpace& mm = *t.proc->mm;
  switch (scratch_.seen_in(t.tid)) {
    case PathScratch::Seen::ours: mm.scratch = AddressSpace::Scratch::mapped; return true;
    case PathScratch::Seen::free: mm.scratch = AddressSpace::Scratch::absent; return true;
    case PathScratch::Seen::other: break;
  }
  mm.scratch = AddressSpace::Scratch::failed;
  opts_.log->error(fmt::format(
      "pid {}: something other than the path scratch area is mapped at {:#x} (inherited from its "
      "parent): its path-checked calls are refused with EAGAIN", t.proc->tgid,
      PathScratch::kAddr));
  return false;
}

std::string Tracer::explain(const CallContext& ctx) {
  // What would allow this call: a promise, and for a call with paths, a path rule naming them.
  // The catalogue's own choice first: an entry of a promise that is not a narrow variant of
  // another and has no path limit ("sendmsg needs sendfd", not "needs dns", which comes first
  // in catalogue order); then the first promise in catalogue order that allows it.
  const auto& cat = catalogue();
  std::string promise = cat.check(PromiseSet{}, ctx, ctx.tgid).needed;
  for (std::size_t id = 0; id < cat.size() && promise.empty(); ++id) {
    PromiseSet one;
    one.add(id);
    if (cat.check(one, ctx, ctx.tgid).allowed) promise = cat.name(id);
  }
  const std::string name = syscall_name(ctx.call.abi, ctx.call.nr);
  std::string out = name + " needs " + (promise.empty() ? "an allow rule" : promise);
  for (const auto& p : ctx.paths)
    if (!p.err) out += fmt::format(" and a path rule for {} ({})", p.path, access_name(p.access));
  return out;
}

void Tracer::notify(const ThreadState& t, const Syscall& call, const Verdict& v,
                    const std::vector<PathArg>& paths) {
  if (opts_.observers.empty()) return;
  CallRecord r;
  r.pid = t.proc->tgid;
  r.tid = t.tid;
  r.call = call;
  r.paths = paths;
  r.action = v.action;
  r.err = v.err;
  r.rule = v.rule;
  r.would_deny = opts_.permissive && (v.action == Action::deny || v.action == Action::kill);
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

const PromiseCatalogue& Tracer::catalogue() { return PromiseCatalogue::builtin(); }

Verdict Tracer::pledge_verdict(ThreadState& t, const CallContext& ctx, const Verdict& v) {
  if (v.action == Action::deny || v.action == Action::kill) return v;  // the policy refused
  const PledgeVerdict pv = check_pledge(t.proc->pledge, ctx, t.proc->tgid,
                                        opts_.policy->pledge_violation(), catalogue());
  if (!pv.violation && pv.err == 0) return v;
  static const RuleRef kPledge{"pledge", 0, {}};
  static const RuleRef kPledgeEnosys{"pledge:enosys", 0, {}};
  t.hint = pv.needed.empty() ? "no promise allows it"
                             : fmt::format("{} needs {}", syscall_name(ctx.call.abi, ctx.call.nr),
                                           pv.needed);
  if (!pv.violation) return Verdict{Action::deny, pv.err, &kPledgeEnosys};
  return Verdict{pv.kill ? Action::kill : Action::deny, pv.err, &kPledge};
}

Verdict Tracer::unveil_verdict(const ThreadState& t, const std::vector<PathArg>& paths,
                               const Verdict& v) {
  if (!t.proc->unveil.active || v.action == Action::deny || v.action == Action::kill) return v;
  static const RuleRef kUnveil{"unveil", 0, {}};
  for (const PathArg& p : paths) {
    // An empty name (AT_EMPTY_PATH: fstat of an open descriptor) looks nothing up: descriptors
    // opened before unveil keep working, as on OpenBSD.
    if (p.err == 0 && p.raw.empty()) continue;
    // Both the name and what it reaches (path_walk.hpp) must be unveiled (OpenBSD checks every
    // lookup).
    const std::string& name = p.literal.empty() ? p.path : p.literal;
    int err = p.err ? p.err : check_unveil(t.proc->unveil, name, p.access);
    if (!err) err = check_unveil(t.proc->unveil, p.path, p.access);
    if (err) return Verdict{Action::deny, err, &kUnveil};
  }
  return v;
}

void Tracer::on_xunveil(ThreadState& t, const SyscallStopInfo& info, bool seccomp_stop) {
  static const RuleRef kXunveil{"xunveil", 0, {}};
  const pid_t tid = t.tid;
  if (opts_.use_seccomp) {
    // Path calls the pre-filter allows never stop here, so the supervisor cannot hide paths
    // from them: answer as a kernel without the call would, and libxpledge uses Landlock.
    t.quiet = true;
    enforce(t, info, Verdict{Action::deny, ENOSYS, &kXunveil}, seccomp_stop, {});
    return;
  }
  // OpenBSD: unveil needs the `unveil` promise once pledged, and a pledge without it locks.
  const auto& pledged = t.proc->pledge.promises;
  const auto unveil_promise = catalogue().find("unveil");
  if (pledged && (!unveil_promise || !pledged->has(*unveil_promise))) {
    t.proc->unveil.locked = true;
    t.hint = "pledged without unveil";
    enforce(t, info, Verdict{Action::deny, EPERM, &kXunveil}, seccomp_stop, {});
    return;
  }
  std::optional<std::string> path, permissions;
  int err = 0;
  if (info.call.args[0] != 0) {
    // The path as policy path rules see it: through chdir's signature, relative to the cwd.
    const Syscall as_chdir{Abi::x86_64, syscall_nr(Abi::x86_64, "chdir").value_or(-1),
                           {info.call.args[0], 0, 0, 0, 0, 0}};
    const auto resolved = resolve_path_args(tid, as_chdir);
    if (resolved.size() != 1) err = EFAULT;
    else if (resolved[0].err) err = resolved[0].err;
    else path = resolved[0].path;
  }
  if (!err && info.call.args[1] != 0) {
    const StringRead s = read_string(tid, info.call.args[1], 16);
    if (s.err) err = s.err == ENAMETOOLONG ? EINVAL : s.err;
    else permissions = s.value;
  }
  UnveilOutcome out;
  if (!err) out = apply_unveil(t.proc->unveil, path, permissions);
  if (err || out.err) {
    t.hint = out.detail;
    enforce(t, info, Verdict{Action::deny, err ? err : out.err, &kXunveil}, seccomp_stop, {});
    return;
  }
  opts_.log->info(fmt::format("pid {} unveiled {} {}", t.proc->tgid,
                              path ? *path : std::string("(lock)"),
                              permissions ? "\"" + *permissions + "\"" : std::string()));
  skip_syscall(tid);
  t.pending_return = 0;  // pure-ptrace mode: written at the exit stop
  t.skipped_nr = kSysXunveil;
  resume(tid);
}

PromiseArg Tracer::read_promise_arg(pid_t tid, std::uint64_t addr) {
  if (addr == 0) return {};
  const StringRead s = read_string(tid, addr, kMaxPromiseString);
  if (s.err == ENAMETOOLONG) return {false, {}, EINVAL};
  return {false, s.value, s.err};
}

void Tracer::on_xpledge(ThreadState& t, const SyscallStopInfo& info, bool seccomp_stop) {
  const pid_t tid = t.tid;
  PledgeState next = t.proc->pledge;
  const PledgeOutcome out =
      apply_pledge(next, read_promise_arg(tid, info.call.args[0]),
                   read_promise_arg(tid, info.call.args[1]), catalogue());
  static const RuleRef kXpledge{"xpledge", 0, {}};
  if (out.err) {
    t.hint = out.detail;
    enforce(t, info, Verdict{Action::deny, out.err, &kXpledge}, seccomp_stop, {});
    return;
  }
  // A narrowing puts every thread of the process into a nested Landlock domain first, so that it
  // cannot reach into the processes it leaves outside (its unpledged parent...): this thread
  // now (the call restarts when it is in), the others before their next call.
  const bool narrows = next.promises && next.promises != t.proc->pledge.promises;
  if (t.nest_failed) {
    t.nest_failed = false;
    t.hint = "cannot nest its Landlock domain";
    enforce(t, info, Verdict{Action::deny, EPERM, &kXpledge}, seccomp_stop, {});
    return;
  }
  if (narrows && landlock_nesting() && t.nest_level <= t.proc->nest_level) {
    start_nest(t, info, true);
    return;
  }
  opts_.log->info(fmt::format("pid {} pledged promises={} execpromises={}", t.proc->tgid,
                              next.promises ? fmt::format("\"{}\"", catalogue().format(*next.promises)) : "unchanged",
                              next.execpromises ? fmt::format("\"{}\"", catalogue().format(*next.execpromises)) : "unset"));
  // A filter is stacked unless the kernel already traces every call outside the new promises.
  // Other threads must stop at their next call to nest: until then the kernel may let nothing
  // run unseen in the process (an empty promise set; filters cannot be removed, so it stays).
  const bool stop_all = narrows && landlock_nesting() && multithreaded(t.proc);
  const PromiseSet in_filter = stop_all || !next.promises ? PromiseSet{} : *next.promises;
  const auto& in_kernel = t.proc->kernel_allows;
  const bool narrowed =
      next.promises && !(in_kernel && in_kernel->subset_of(in_filter));
  // Threads behind this level nest at their next call, once the pledge is committed (not before:
  // the filter being stacked would change their count while they check it).
  const int commit_level = narrows && landlock_nesting() ? t.nest_level : t.proc->nest_level;
  if (!seccomp_stop || !narrowed) {
    // Every call stops anyway (pure-ptrace mode), or nothing to narrow in the kernel.
    t.proc->pledge = next;
    t.proc->nest_level = commit_level;
    skip_syscall(tid);
    if (seccomp_stop) set_return_value(tid, 0);
    else { t.pending_return = 0; t.skipped_nr = kSysXpledge; }
    resume(tid);
    return;
  }
  std::string why;
  const Area area = stack_pledge_filter(t, in_filter, why);
  if (area == Area::attaching) return;
  if (area == Area::ready) {
    t.pending_pledge = next;
    t.pending_nest_level = commit_level;
    resume(tid);  // to the exit stop of the injected seccomp()
    return;
  }
  // Could not narrow in the kernel: refuse rather than pretend; state unchanged.
  opts_.log->error(fmt::format("pid {}: cannot install the pledge filter ({}): xpledge fails "
                               "with ENOMEM", tid, why));
  skip_syscall(tid);
  set_return_value(tid, -ENOMEM);
  resume(tid);
}

// The kernel must read the program from the read-only scratch area: attaches it first if need
// be (`attaching`: the call restarts and comes back), then injects the filter (`ready`: t is to
// be resumed to its exit stop). `unavailable`: neither worked, `why` says why.
Tracer::Area Tracer::stack_pledge_filter(ThreadState& t, const PromiseSet& set, std::string& why) {
  const Area area = attach_scratch(t, why);
  if (area == Area::attaching) return area;
  if (area == Area::unavailable) {
    if (why.empty()) why = "no path scratch area in this process";
    return area;
  }
  return inject_pledge_filter(t, set, why) ? Area::ready : Area::unavailable;
}

// Turns t's current call into seccomp(SET_MODE_FILTER, TSYNC, fprog) for `set`. The program
// and its struct sock_fprog are in the read-only scratch area (attached in t's address space:
// the caller checked), where no thread or process of the sandbox can change them before the
// kernel copies them; the thread's Seccomp_filters count is read first, to check at the exit
// stop that a filter really was installed (a filter of the tracee's own could answer the call).
bool Tracer::inject_pledge_filter(ThreadState& t, const PromiseSet& set, std::string& why) {
  const std::vector<unsigned char> prog = build_pledge_filter(catalogue(), set, why);
  if (prog.empty()) return false;
  const auto fprog = scratch_.pin_program(
      std::string_view(reinterpret_cast<const char*>(prog.data()), prog.size()));
  if (!fprog) {
    why = "no room for its program in the scratch area";
    return false;
  }
  const long before = status_field(t.tid, "Seccomp_filters:");
  if (before < 0) {
    why = "this kernel does not report Seccomp_filters (Linux 5.9+) to verify it";
    return false;
  }
  SavedRegs regs{};
  if (!save_regs(t.tid, regs) ||
      !rewrite_syscall(t.tid, regs, SYS_seccomp,
                       {SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, *fprog})) {
    why = "cannot rewrite the call";
    return false;
  }
  t.injected = regs;
  t.filters_before = before;
  t.injected_set = set;
  t.proc->filter_injector = t.tid;
  return true;
}

// The exit stop of an injected pledge filter: installed for real, or not.
void Tracer::on_filter_injected(ThreadState& t, const SyscallStopInfo& info) {
  const SavedRegs regs = *t.injected;
  t.injected.reset();
  const auto proc = t.proc;
  proc->filter_injector = 0;
  const long after = status_field(t.tid, "Seccomp_filters:");
  const bool installed = info.rval == 0 && after == t.filters_before + 1;
  if (installed) {
    proc->kernel_allows = proc->kernel_allows ? *proc->kernel_allows & *t.injected_set
                                              : *t.injected_set;
    ++proc->our_filters;
  }
  const bool after_exec = !t.pending_pledge;
  if (!installed) {
    // TSYNC names a thread it could not synchronise (rval > 0); seccomp() failed; or it
    // "succeeded" without a new filter: the tracee's own filter answered it.
    opts_.log->error(fmt::format(
        "pid {}: the pledge filter was not installed (seccomp returned {}, filters {} -> {}){}",
        t.tid, info.rval, t.filters_before, after,
        after_exec ? ": the new image cannot run under its execpromises; killed"
                   : ": promises unchanged, xpledge fails with EPERM"));
  }
  if (after_exec) {
    // The first call of an image that got execpromises: it runs now, under the new filter.
    t.exec_filter.reset();
    restore_regs_and_restart(t.tid, regs);
    if (!installed) kill(proc->tgid, SIGKILL);
  } else {
    if (installed) {
      proc->pledge = *t.pending_pledge;
      if (t.pending_nest_level) proc->nest_level = *t.pending_nest_level;
    }
    t.pending_pledge.reset();
    t.pending_nest_level.reset();
    restore_regs(t.tid, regs, installed ? 0 : -EPERM);
  }
  t.injected_set.reset();
  unpark(proc);
}

// The first call of a new image whose execpromises need a filter of their own: the filter is
// stacked first (attaching the scratch area if need be), then the call restarts. An i386 call
// cannot carry an injected x86-64 one: it is refused (EAGAIN) until an x86-64 call comes.
void Tracer::on_exec_filter(ThreadState& t, const SyscallStopInfo& info) {
  static const RuleRef kExecFilter{"pledge:exec-filter", 0, {}};
  if (info.abi != Abi::x86_64) {
    enforce(t, info, Verdict{Action::deny, EAGAIN, &kExecFilter}, info.op == SyscallOp::seccomp, {});
    return;
  }
  std::string why;
  const Area area = stack_pledge_filter(t, *t.exec_filter, why);
  if (area == Area::attaching) return;
  if (area == Area::ready) {
    resume(t.tid);
    return;
  }
  opts_.log->error(fmt::format("pid {}: cannot install the execpromises filter ({}): killed",
                               t.tid, why));
  t.exec_filter.reset();
  skip_syscall(t.tid);
  kill(t.proc->tgid, SIGKILL);
  resume(t.tid);
}

// Seccomp mode: a seccomp() or xpledge() call that must wait for the process's filter traffic
// (see ProcessState::filter_injector): held at its stop, true. xpledge waits for a tracee's own
// seccomp() too, since the count it is verified by would count that one.
bool Tracer::park_if_filters_busy(ThreadState& t, const SyscallStopInfo& info, bool seccomp_stop) {
  ProcessState& p = *t.proc;
  const bool is_xpledge = info.abi == Abi::x86_64 && info.call.nr == kSysXpledge;
  if (!is_xpledge && !is_seccomp_call(info.call)) return false;
  if (p.filter_injector == 0 && p.nest_chains == 0 && !(is_xpledge && p.seccomp_running > 0))
    return false;
  t.parked_at_seccomp_stop = seccomp_stop;
  p.parked.push_back(t.tid);
  return true;
}

void Tracer::unpark(const std::shared_ptr<ProcessState>& proc) {
  if (proc->filter_injector != 0 || proc->seccomp_running > 0 || proc->nest_chains > 0 ||
      proc->parked.empty())
    return;
  std::vector<pid_t> parked;
  parked.swap(proc->parked);
  for (const pid_t tid : parked) {
    auto it = threads_.find(tid);
    if (it == threads_.end() || it->second.proc != proc) continue;  // gone meanwhile
    on_syscall(it->second, it->second.parked_at_seccomp_stop);
  }
}

bool Tracer::multithreaded(const std::shared_ptr<ProcessState>& proc) const {
  int n = 0;
  for (const auto& [tid, t] : threads_) n += t.proc == proc;
  return n > 1;
}

// Starts the nesting chain in place of t's current call (an entry or seccomp stop):
// rt_sigprocmask(SIG_BLOCK, all) first, so that no signal handler runs between the steps (the
// thread goes back to user mode for each); landlock_create_ruleset, landlock_restrict_self,
// close; the old mask back; then the call restarts. The ruleset attribute (one handled right, as
// in the sandbox's own domain: any domain gets the kernel's ptrace scoping, whatever it
// handles) and the signal sets go below the red zone: whatever a sibling might write there, the
// result is a domain or an error, never less confinement (an unblocked signal is no hole either:
// a handler's calls are told from the chain's and judged, nest_stop_is_ours).
void Tracer::start_nest(ThreadState& t, const SyscallStopInfo& info, bool for_xpledge) {
  using Chain = ThreadState::NestChain;
  Chain chain;
  chain.for_xpledge = for_xpledge;
  chain.ip = info.ip;
  if (!save_regs(t.tid, chain.saved)) return;  // vanished
  chain.scratch_addr = (saved_stack_pointer(chain.saved) - 4096 - 64) & ~0xfULL;
  // confine.hpp ruleset_spec: the signal scope and no filesystem right on ABI 6+, so that
  // renames across directories keep working; any domain gets the kernel's ptrace scoping.
  const RulesetSpec spec = ruleset_spec(confine_, true);
  chain.attr_size = spec.size;
  const std::uint64_t block[6] = {spec.handled_fs, spec.handled_net, spec.scoped, 0,
                                  ~std::uint64_t{0}, 0};
  const auto fail = [&](const std::string& why) {
    opts_.log->error(fmt::format("pid {}: {}", t.tid, why));
    t.nest_failed = true;
    skip_syscall(t.tid);
    chain.step = Chain::kDone;  // straight to the end: restart the call
    t.nest = chain;
    ++t.proc->nest_chains;
    resume(t.tid);
  };
  // A seccomp filter of the thread's own could answer our injected calls (RET_TRAP, RET_ERRNO):
  // with one, the chain does not start (it is checked again at the end).
  const long filters = status_field(t.tid, "Seccomp_filters:");
  if (filters != t.proc->our_filters)
    return fail(fmt::format("has seccomp filters of its own ({} of which {} ours): cannot nest "
                            "its Landlock domain", filters, t.proc->our_filters));
  if (spec.size > 3 * sizeof(std::uint64_t) ||
      !write_bytes(t.tid, chain.scratch_addr, block, sizeof block) ||
      !rewrite_syscall(t.tid, chain.saved, SYS_rt_sigprocmask,
                       {SIG_BLOCK, chain.sigset_all(), chain.sigset_old(), 8}))
    return fail("cannot inject its Landlock nesting");
  chain.step = Chain::kBlock;
  t.nest = chain;
  ++t.proc->nest_chains;
  resume(t.tid);
}

// One exit stop of the chain. The chain's result is believed only if the thread has no seccomp
// filter we did not stack: one of its own could answer landlock_restrict_self with 0.
void Tracer::on_nest_step(ThreadState& t, const SyscallStopInfo& info) {
  using Chain = ThreadState::NestChain;
  auto& c = *t.nest;
  const auto next = [&](Chain::Step step, std::int64_t nr, const std::array<std::uint64_t, 4>& a) {
    c.step = step;
    c.ours_in_flight = false;
    c.expect_nr = nr;
    c.expect_a0 = a[0];
    if (!reissue_syscall(t.tid, c.saved, nr, a)) t.nest.reset();
  };
  const auto unblock = [&] {
    if (c.blocked)
      return next(Chain::kUnblock, SYS_rt_sigprocmask, {SIG_SETMASK, c.sigset_old(), 0, 8});
    c.step = Chain::kDone;
  };
  switch (c.step) {
    case Chain::kBlock:
      c.blocked = info.rval == 0;
      return next(Chain::kCreate, SYS_landlock_create_ruleset, {c.scratch_addr, c.attr_size, 0, 0});
    case Chain::kCreate:
      c.fd = info.rval;
      if (c.fd >= 0)
        return next(Chain::kRestrict, SYS_landlock_restrict_self,
                    {static_cast<std::uint64_t>(c.fd), 0, 0, 0});
      unblock();
      if (c.step != Chain::kDone) return;
      break;
    case Chain::kRestrict:
      c.restricted = info.rval;
      return next(Chain::kClose, SYS_close, {static_cast<std::uint64_t>(c.fd), 0, 0, 0});
    case Chain::kClose:
      unblock();
      if (c.step != Chain::kDone) return;
      break;
    case Chain::kUnblock:
    case Chain::kDone: break;
  }
  const long filters = status_field(t.tid, "Seccomp_filters:");
  const bool nested = c.restricted == 0 && filters == t.proc->our_filters;
  const Chain done = c;
  t.nest.reset();
  --t.proc->nest_chains;
  if (nested) {
    // One layer is enough to catch up: from it the thread reaches only what it creates itself,
    // and a narrowing it makes later nests it again. The xpledge caller is one narrowing ahead
    // until it commits.
    t.nest_level = t.proc->nest_level + (done.for_xpledge ? 1 : 0);
  } else {
    opts_.log->error(fmt::format(
        "pid {}: cannot nest its Landlock domain (create_ruleset {}, restrict_self {}, seccomp "
        "filters {} of which {} ours){}", t.tid, done.fd, done.restricted, filters,
        t.proc->our_filters,
        done.for_xpledge ? ": xpledge fails with EPERM" : ": its process narrowed, so it is killed"));
    if (!done.for_xpledge) kill(t.proc->tgid, SIGKILL);
    else t.nest_failed = true;
  }
  restore_regs_and_restart(t.tid, done.saved);
  unpark(t.proc);
}

// The one place that gathers a guard's inputs.
GuardContext Tracer::guard_context(const ThreadState& t, const Syscall& call) const {
  const unsigned inputs = guard_inputs(call);
  const pid_t caller_pgid = (inputs & kInputCallerPgid) ? getpgid(t.tid) : 0;
  int caller_threads = 0;
  if (inputs & kInputCallerPgid)
    for (const auto& [tid, other] : threads_) caller_threads += other.proc == t.proc;
  const pid_t fd_target =
      (inputs & kInputFdTarget)
          ? fd_target_pid(t.tid, static_cast<int>(static_cast<std::int32_t>(call.args[0])))
          : 0;
  return GuardContext{self_pid_, self_pgid_, t.proc->tgid, caller_pgid, caller_threads, fd_target,
                      scratch_.ready() ? scratch_.id() : -1};
}

Verdict Tracer::apply_guard(ThreadState& t, const Syscall& call, const Verdict& v) {
  const auto g = guard_check(call, guard_context(t, call), v);
  if (!g) return v;
  if (g->action == GuardAction::strip_untraced) {
    // The child must stay traced: clear the flag and let the policy's verdict stand.
    set_syscall_arg(t.tid, call.abi, 0, call.args[0] & ~static_cast<std::uint64_t>(CLONE_UNTRACED));
    log_event(t, call, Verdict{Action::log, 0, g->rule}, {});
    return v;
  }
  if (v.action == Action::deny || v.action == Action::kill) return v;  // already refused
  if (g->quiet) t.quiet = opts_.log->verbosity() == 0;
  return Verdict{Action::deny, g->err, g->rule};
}

void Tracer::enforce(ThreadState& t, const SyscallStopInfo& info, const Verdict& v,
                     bool seccomp_stop, const std::vector<PathArg>& paths) {
  const pid_t tid = t.tid;
  if ((v.action == Action::allow || v.action == Action::log) && opts_.use_seccomp && t.proc &&
      is_seccomp_call(info.call)) {
    ++t.proc->seccomp_running;  // until its exit stop (resume() asks for it)
    t.watch_seccomp = true;
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
        t.pending_return = -v.err;
        t.skipped_nr = info.call.nr;
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
  resume(tid);
}

void Tracer::on_syscall_exit(ThreadState& t, const SyscallStopInfo& info) {
  if (t.scratch_regs) {
    on_scratch_attached(t, info);
    return;
  }
  if (t.nest) {
    if (!t.nest->foreign_in_flight) {
      on_nest_step(t, info);
      return;
    }
    t.nest->foreign_in_flight = false;  // the thread's own call ended: its result as any call's
  }
  if (t.watch_seccomp) {
    t.watch_seccomp = false;
    --t.proc->seccomp_running;
    unpark(t.proc);
  }
  if (t.injected) {
    on_filter_injected(t, info);
    return;
  }
  if (t.exec_map) verify_exec_mapping(t, info);
  if (t.exit_check) {
    const ThreadState::ExitCheck c = std::move(*t.exit_check);
    t.exit_check.reset();
    verify_exit(t, c, info);
  }
  if (!t.pending_return) return;
  const std::int64_t ret = *t.pending_return;
  t.pending_return.reset();
  if (info.rval != -ENOSYS) {
    // Something ran although we skipped it (another tracer, a seccomp filter rewriting the
    // number?): the denial did not hold. Say so loudly; still return our result to the caller.
    opts_.log->error(fmt::format(
        "pid {}: skipped {} returned {} instead of -ENOSYS: the kernel may have run it", t.tid,
        syscall_name(Abi::x86_64, t.skipped_nr), info.rval));
  }
  set_return_value(t.tid, ret);
}

void Tracer::resume(pid_t tid, int sig) {
  // With the pre-filter only seccomp stops are needed, so PTRACE_CONT; a deny at a
  // syscall-entry stop (pure-ptrace mode) needs the exit stop to write the result.
  const auto it = threads_.find(tid);
  const bool need_exit =
      it != threads_.end() &&
      (it->second.pending_return || it->second.injected || it->second.scratch_regs ||
       it->second.exec_filter || it->second.watch_seccomp || it->second.nest ||
       it->second.exec_map || it->second.exit_check);
  const auto req = opts_.use_seccomp && !need_exit ? PTRACE_CONT : PTRACE_SYSCALL;
  ptrace(req, tid, nullptr, reinterpret_cast<void*>(static_cast<long>(sig)));
}

// A number this build does not name (policy rule `unknown`): answered ENOSYS like any denial,
// but logged once per number per run with a warning instead of a record per call: a program
// probing for a newer kernel's call may retry it in a loop.
void Tracer::warn_unknown_once(ThreadState& t, const Syscall& call) {
  // A tracee walking through millions of numbers must not grow our memory: past the cap, a new
  // number gets the ordinary record per call.
  constexpr std::size_t kMaxUnknownSeen = 1024;
  const auto key = std::make_pair(call.abi, call.nr);
  if (!unknown_seen_.contains(key) && unknown_seen_.size() >= kMaxUnknownSeen) return;
  t.quiet = !opts_.permissive;  // permissive runs record every call they let through
  if (!unknown_seen_.insert(key).second) return;
  const pid_t tid = t.tid;
  const std::string text =
      decode_call(call, [tid](std::uint64_t addr) { return read_string(tid, addr, 4096); });
  opts_.log->warn(fmt::format(
      "pid {} comm={}: {} = -1 ENOSYS: not a system call this build knows (libseccomp {} + "
      "Linux {} tables); logged once per number (policy `unknown: allow` lets such calls run)",
      tid, read_comm(tid), text, libseccomp_version(), syscall_tables_release()));
}

void Tracer::log_event(const ThreadState& t, const Syscall& call, const Verdict& v,
                       const std::vector<PathArg>& paths, bool permissive) {
  AuditEvent ev;
  ev.permissive = permissive;
  ev.action = v.action;
  ev.syscall = syscall_name(call.abi, call.nr);
  if (!opts_.log->admit(ev)) return;  // rate-limited: nothing more to read or format
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
      call, [tid](std::uint64_t addr) { return read_string(tid, addr, 4096); }, bytes);
  if (opts_.log->wants_sockaddr()) ev.sockaddr = call_sockaddr(call, bytes);
  // Paths are resolved at the stop only when a rule or an observer needs them; a record names
  // them whatever decided (a call denied by name: renameat2, utimensat, symlinkat...).
  const std::vector<PathArg> resolved = paths.empty() ? resolve_path_args(tid, call)
                                                      : std::vector<PathArg>{};
  for (const auto& p : paths.empty() ? resolved : paths)
    if (!p.err) ev.paths.push_back(p.path);
  ev.err = v.err;
  ev.rule = v.rule ? v.rule->describe() : "?";
  ev.hint = t.hint;
  opts_.log->record(ev);
}


// ---- xpledge attach: supervise a process that is already running ---------------------------
//
// PTRACE_SEIZE every thread of the process (/proc/PID/task), then the same handle()/dispatch as
// `run`, in pure-ptrace mode: a seccomp pre-filter (and the Landlock domain) can only be
// installed by the process itself, before it runs untrusted code; loading one into a running
// process would mean injecting a seccomp() call into it, which attach does not do. Forks,
// clones and execs are followed as in `run`, but without PTRACE_O_EXITKILL: the process must
// survive a detach. SIGINT, SIGTERM or SIGHUP to xpledge detach from every thread and leave the
// process running; a thread inside a decided call gets its result first.

constexpr long kAttachOptions = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK |
                                PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC;
constexpr int kDetachSignals[] = {SIGINT, SIGTERM, SIGHUP};
// How long a detach waits for every thread to reach a stop; then we exit anyway and the kernel
// detaches what is left (a call denied at entry would then return ENOSYS, not its errno).
constexpr auto kDetachTimeout = std::chrono::seconds(5);

std::vector<pid_t> list_tasks(pid_t tgid) {
  std::vector<pid_t> out;
  DIR* dir = opendir(("/proc/" + std::to_string(tgid) + "/task").c_str());
  if (!dir) return out;
  while (const dirent* e = readdir(dir)) {
    char* end = nullptr;
    const long v = std::strtol(e->d_name, &end, 10);
    if (end != e->d_name && *end == '\0' && v > 0) out.push_back(static_cast<pid_t>(v));
  }
  closedir(dir);
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
      // handle()'s interrupt_stop resumes it with PTRACE_SYSCALL (use_seccomp is false).
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
      handle(tid, status);
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
      unsigned long msg = 0;
      if (ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &msg) == 0 && msg != 0) {
        const auto child = static_cast<pid_t>(msg);
        if (!detached_early.erase(child)) waiting.insert(child);
      }
      break;
    }
    case StopKind::exec: {
      // Every other thread of the process is gone; the execing one now has this tid.
      const auto proc = t.proc;
      for (auto j = threads_.begin(); j != threads_.end();) {
        if (j->first != tid && proc && j->second.proc == proc) {
          waiting.erase(j->first);
          j = threads_.erase(j);
        } else {
          ++j;
        }
      }
      break;
    }
    case StopKind::signal_delivery: sig = stop.signal; break;  // deliver it, as we would have
    default: break;  // initial, interrupt, group stop (it stays stopped after the detach)
  }
  ptrace(PTRACE_DETACH, tid, nullptr, reinterpret_cast<void*>(static_cast<long>(sig)));
  threads_.erase(tid);
}

}  // namespace

RunResult run_supervised(const std::vector<std::string>& argv, const TracerOptions& options) {
  Tracer tracer(options);
  return tracer.run(argv);
}

RunResult attach_supervised(pid_t pid, const TracerOptions& options) {
  TracerOptions opts = options;
  opts.use_seccomp = false;  // no pre-filter can be loaded into a running process
  Tracer tracer(opts);
  return tracer.attach(pid);
}

}  // namespace xpledge
