#pragma once
// Pure classification of a waitpid() status into the kind of stop it is. The tracer switches on
// the result; nothing here touches the kernel.
#include <cstdint>
#include <string_view>

namespace xpledge {

enum class StopKind : std::uint8_t {
  exited,           // WIFEXITED: the thread is gone
  killed,           // WIFSIGNALED: the thread is gone
  syscall,          // syscall-entry or -exit stop (PTRACE_O_TRACESYSGOOD); ask GET_SYSCALL_INFO
  seccomp,          // PTRACE_EVENT_SECCOMP: the pre-filter returned SECCOMP_RET_TRACE
  fork,             // PTRACE_EVENT_FORK / VFORK / CLONE: a new tracee exists
  vfork,
  clone,
  exec,             // PTRACE_EVENT_EXEC: the new image is loaded
  other_event,      // VFORK_DONE, EXIT: nothing to decide
  initial_stop,     // first stop of an auto-attached child (PTRACE_EVENT_STOP)
  group_stop,       // PTRACE_EVENT_STOP with a stopping signal: SIGSTOP/TSTP/TTIN/TTOU
  interrupt_stop,   // PTRACE_EVENT_STOP otherwise (PTRACE_INTERRUPT, LISTEN wake-up)
  signal_delivery,  // a signal is about to be delivered: re-inject it
};

std::string_view stop_kind_name(StopKind k);

struct Stop {
  StopKind kind = StopKind::signal_delivery;
  int signal = 0;     // signal_delivery/group_stop: the signal; killed: the terminating signal
  int exit_code = 0;  // exited
};

// `awaiting_initial_stop`: the tracer knows this tid as a new child that has not stopped yet,
// which is what tells its initial PTRACE_EVENT_STOP (SIGSTOP) from a group-stop.
Stop classify_stop(int wait_status, bool awaiting_initial_stop);

}  // namespace xpledge
