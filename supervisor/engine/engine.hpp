#pragma once
// The engine: one Tracer per `run` or `attach`. Its members are defined by job across the
// files of this folder (launch, loop, syscall_stop, effects, threads, exec_events, pinning,
// scratch_attach, pledge_calls, nest, report, attach; decide.hpp is pure); tracer.hpp is its
// public face.
#include <pthread.h>
#include <sys/types.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "audit_log.hpp"
#include "confine.hpp"
#include "decide.hpp"
#include "exec_images.hpp"
#include "facts.hpp"
#include "guard.hpp"
#include "observer.hpp"
#include "policy.hpp"
#include "restart.hpp"
#include "promises.hpp"
#include "regs.hpp"
#include "scratch.hpp"
#include "state.hpp"
#include "stop.hpp"
#include "syscalls.hpp"
#include "tracee_mem.hpp"
#include "tracer.hpp"

namespace xpledge::engine {

// The new task a fork, vfork or clone event reports; 0 if none (threads.cpp).
pid_t reported_child(pid_t parent);

class Tracer {
 public:
  explicit Tracer(const TracerOptions& opts)
      : opts_(opts), exec_rules_(opts.policy && has_exec_path_rules(*opts.policy)) {
    for (const CallObserver* o : opts_.observers) want_paths_ = want_paths_ || o->wants_paths();
  }
  RunResult run(const std::vector<std::string>& argv);
  RunResult attach(pid_t pid);  // xpledge attach (its own section below)

 private:
  // launch.cpp
  pid_t spawn(const std::vector<std::string>& argv, const std::vector<unsigned char>* filter,
              std::string& error);
  std::vector<PathRule> open_landlock_rules(ConfinePlan& confine);
  // Joins the thread that made the child (it waits in CLONE_VFORK until the child's exec or
  // death) and waits until the kernel has let its tid go. Called at the command's exec event,
  // before its first instruction, and wherever the child ended before it: a tracee must never
  // find a second supervisor thread, which the guard (it knows one tid, ours) would not cover.
  void end_spawn_helper();

  // loop.cpp: the only place that restarts a tracee.
  void loop();
  void handle_batch(pid_t tid, int status);
  void handle(pid_t tid, int status);
  Restart dispatch(pid_t tid, int status);
  void restart(pid_t tid, Restart r);
  void wake_released();
  // Held threads a stop released, restarted by the loop once that stop is done.
  struct Released {
    pid_t tid;
    std::shared_ptr<ProcessState> proc;
    bool parked;  // a parked call: decided now; else an embryo: resumed
  };
  std::vector<Released> released_;

  // syscall_stop.cpp
  struct Judged {  // the decision on a program's own call
    Outcome outcome;
    bool guarded = false;  // the guard refused it (--permissive does not lift that)
  };
  Restart on_syscall(ThreadState& t, bool seccomp_stop);
  std::optional<Restart> on_call_in_nest(ThreadState& t, const SyscallStopInfo& info,
                                         bool seccomp_stop);
  Restart on_program_call(ThreadState& t, const SyscallStopInfo& info, bool seccomp_stop);
  void resolve_call_paths(ThreadState& t, StopFacts& f);
  Judged judge_call(ThreadState& t, StopFacts& f);

  // effects.cpp
  Restart enforce(ThreadState& t, const StopFacts& f, const Outcome& o);
  void on_syscall_exit(ThreadState& t, const SyscallStopInfo& info);

  // threads.cpp
  ThreadState& adopt(pid_t tid);
  Restart on_new_child(ThreadState& parent);
  void release_embryo(ThreadState& t, const std::shared_ptr<ProcessState>& proc);
  void reap_orphan_embryos();
  bool parent_traced(pid_t tid) const;  // its parent is a tracee that can still report it
  void on_gone(pid_t tid, const Stop& stop);
  // What is held for a tid that has ended: its path scratch slot, its kept memory file.
  void release_tid(pid_t tid) {
    scratch_.release(tid);
    forget_tracee_memory(tid);
  }
  bool multithreaded(const std::shared_ptr<ProcessState>& proc) const;
  std::vector<pid_t> sweep_exec_siblings(pid_t tid, const std::shared_ptr<ProcessState>& proc);

  // exec_events.cpp
  Restart on_exec(ThreadState& t);
  void check_exec_images(ThreadState& t, const std::string& target);
  static void append_script_chain(pid_t tid, const std::string& target,
                                  std::vector<ExecImage>& images);
  std::vector<std::string> other_names(const ExecImage& image, const std::string& dir);
  OtherNamesFn other_names_fn() {
    return [this](const ExecImage& i, const std::string& d) { return other_names(i, d); };
  }
  std::optional<ExecRefusal> judge_exec_mapping(ThreadState& t, const Syscall& call,
                                                std::string& hint);
  void verify_exec_mapping(ThreadState& t, const SyscallStopInfo& info,
                           const phase::ExecMapWatch& w);

  // pinning.cpp
  void note_interrupted_call(ThreadState& t);
  bool keep_own_args(ThreadState& t, const Syscall& call);
  bool repoint_arg(ThreadState& t, const Syscall& call, int index, std::uint64_t value);
  void put_back_own_args(ThreadState& t, const SyscallStopInfo& info);
  void put_back_creator_args(ThreadState& t);
  void restore_restarted_paths(ThreadState& t, const Syscall& call);
  // addr_pinning.cpp: a connect, bind, sendto or sendmsg's address, read and pinned.
  std::optional<AddrArg> read_call_addr(pid_t tid, const Syscall& call) const;
  std::optional<Restart> pin_addr(ThreadState& t, const StopFacts& f);
  // A sendmmsg refused where dns judges sendmsg: judged as a sendmsg of its first message (its
  // facts if that runs; `j` then holds that verdict), run so, finished at its exit stop.
  std::optional<StopFacts> judge_mmsg_as_msg(ThreadState& t, const StopFacts& f, Judged& j);
  Restart run_mmsg_as_msg(ThreadState& t, const StopFacts& f, const StopFacts& as_msg,
                          const Outcome& o);
  // A sendmmsg allowed while unveil hides paths: each message may name an AF_UNIX path, and the
  // vector cannot be pinned; it runs as a sendmsg of its first message (unix_paths.cpp).
  std::optional<StopFacts> judge_mmsg_under_unveil(ThreadState& t, StopFacts& f, Judged& j);
  void finish_mmsg_as_msg(ThreadState& t, const SyscallStopInfo& info, const phase::MmsgAsMsg& m);
  std::optional<Restart> pin_paths(ThreadState& t, const StopFacts& f);
  bool rewrite_open(ThreadState& t, const SyscallStopInfo& info, const SyscallSig& sig,
                    ThreadState::PinnedCall& pinned, bool to_openat2, std::size_t how_size,
                    std::uint64_t clear_flags, std::uint64_t set_flags);
  void plan_exit_check(ThreadState& t, const Syscall& call, const SyscallSig& sig,
                       const std::vector<PathArg>& paths, bool resolved_open,
                       bool truncate_at_exit = false);
  void verify_exit(ThreadState& t, const ThreadState::ExitCheck& c, const SyscallStopInfo& info);

  // scratch_attach.cpp
  enum class Area : std::uint8_t { ready, attaching, unavailable };
  // `attaching`: the call became the attach; the stop ends with kResume, and the call restarts.
  Area attach_scratch(ThreadState& t, std::string& why);
  bool verify_scratch(ThreadState& t);
  void on_scratch_attached(ThreadState& t, const SyscallStopInfo& info,
                           const phase::AwaitingScratch& attach);
  Restart on_clone3(ThreadState& t, const SyscallStopInfo& info, bool seccomp_stop);

  // pledge_calls.cpp
  Restart on_xpledge(ThreadState& t, const SyscallStopInfo& info, bool seccomp_stop);
  static PromiseArg read_promise_arg(pid_t tid, std::uint64_t addr);
  Area stack_pledge_filter(ThreadState& t, const PromiseSet& set, std::string& why);
  Area stack_filter(ThreadState& t, const std::vector<unsigned char>& prog,
                    phase::AwaitingFilter f, std::string& why);
  bool inject_filter(ThreadState& t, const std::vector<unsigned char>& prog,
                     phase::AwaitingFilter f, std::string& why);
  void on_filter_injected(ThreadState& t, const SyscallStopInfo& info,
                          const phase::AwaitingFilter& f);
  Restart on_exec_filter(ThreadState& t, const SyscallStopInfo& info);
  bool park_if_filters_busy(ThreadState& t, const SyscallStopInfo& info, bool seccomp_stop);
  void unpark(const std::shared_ptr<ProcessState>& proc);

  // unveil_calls.cpp
  Restart on_xunveil(ThreadState& t, const SyscallStopInfo& info, bool seccomp_stop);
  Restart commit_unveil(ThreadState& t, UnveilState next, bool seccomp_stop);
  void on_unveil_filter_injected(ThreadState& t, const SyscallStopInfo& info,
                                 const phase::AwaitingFilter& f, bool installed, long after);
  void inherit_unveil_view(const ProcessState& parent_proc, pid_t parent_tid, ProcessState& child);

  // nest.cpp
  bool landlock_nesting() const { return confine_.landlock_abi > 0; }
  Restart start_nest(ThreadState& t, const SyscallStopInfo& info, bool for_xpledge);
  void on_nest_step(ThreadState& t, const SyscallStopInfo& info);

  // syscall_stop.cpp: the inputs of decide.hpp's pure decisions.
  GuardContext guard_context(const ThreadState& t, const Syscall& call,
                            const CallName& named) const;
  Judge judge_for(const ThreadState& t) const;
  static const PromiseCatalogue& catalogue();

  // report.cpp: the records of calls' outcomes (report) and what observers are told (notify).
  void report(const ThreadState& t, const StopFacts& f, const Outcome& o,
              bool let_through = false);
  void log_event(const ThreadState& t, const StopFacts& f, const Verdict& v,
                 const std::string& hint = {}, bool permissive = false);
  void warn_unknown_once(const ThreadState& t, const StopFacts& f, Outcome& o);
  void notify(const ThreadState& t, const Syscall& call, const CallName& named,
              const Verdict& policy, const Verdict& done, const std::vector<PathArg>& paths);

  // attach.cpp
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
  std::optional<pthread_t> spawn_helper_;  // launch.cpp: until end_spawn_helper()
  pid_t spawn_helper_tid_ = 0;             // written by that thread before it ends
  bool join_spawn_helper_ = false;         // on_exec: end_spawn_helper() after the restart
  RunResult result_;
  std::unordered_map<pid_t, ThreadState> threads_;
  std::vector<std::pair<pid_t, int>> ready_;  // handle_batch's stops (kept: no allocation each)
  PathScratch scratch_;
  bool openat2_reaches_kernel_ = true;  // false: filters we were started under refuse it
  ConfinePlan confine_{};  // what the child's Landlock domain is (none under attach)
  const bool exec_rules_;  // the policy has exec path rules: judged again at each exec event
  bool scan_warned_ = false;  // other_names hit its bound once (said once per run)
  // (ABI, number) pairs refused as unknown so far: each is logged once per run.
  std::set<std::pair<Abi, std::int64_t>> unknown_seen_;
};

}  // namespace xpledge::engine
