#include "stop.hpp"

#include <csignal>
#include <sys/ptrace.h>
#include <sys/wait.h>

namespace xpledge {

std::string_view stop_kind_name(StopKind k) {
  switch (k) {
    case StopKind::exited: return "exited";
    case StopKind::killed: return "killed";
    case StopKind::syscall: return "syscall";
    case StopKind::seccomp: return "seccomp";
    case StopKind::fork: return "fork";
    case StopKind::vfork: return "vfork";
    case StopKind::clone: return "clone";
    case StopKind::exec: return "exec";
    case StopKind::other_event: return "other_event";
    case StopKind::initial_stop: return "initial_stop";
    case StopKind::group_stop: return "group_stop";
    case StopKind::interrupt_stop: return "interrupt_stop";
    case StopKind::signal_delivery: return "signal_delivery";
  }
  return "?";
}

namespace {
bool is_stopping_signal(int sig) {
  return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}
}  // namespace

Stop classify_stop(int status, bool awaiting_initial_stop) {
  if (WIFEXITED(status)) return {StopKind::exited, 0, WEXITSTATUS(status)};
  if (WIFSIGNALED(status)) return {StopKind::killed, WTERMSIG(status), 0};
  const int sig = WSTOPSIG(status);
  if (sig == (SIGTRAP | 0x80)) return {StopKind::syscall, 0, 0};
  switch (status >> 16) {
    case 0: break;
    case PTRACE_EVENT_SECCOMP: return {StopKind::seccomp, 0, 0};
    case PTRACE_EVENT_FORK: return {StopKind::fork, 0, 0};
    case PTRACE_EVENT_VFORK: return {StopKind::vfork, 0, 0};
    case PTRACE_EVENT_CLONE: return {StopKind::clone, 0, 0};
    case PTRACE_EVENT_EXEC: return {StopKind::exec, 0, 0};
    case PTRACE_EVENT_STOP:
      if (awaiting_initial_stop) return {StopKind::initial_stop, sig, 0};
      if (is_stopping_signal(sig)) return {StopKind::group_stop, sig, 0};
      return {StopKind::interrupt_stop, sig, 0};
    default: return {StopKind::other_event, 0, 0};
  }
  // A child that stops before we saw its parent's fork event may show its first stop as a plain
  // SIGSTOP on older kernels; the tracer treats it as the initial stop.
  if (awaiting_initial_stop && sig == SIGSTOP) return {StopKind::initial_stop, sig, 0};
  return {StopKind::signal_delivery, sig, 0};
}

}  // namespace xpledge
