#pragma once
// The supervisor's own signal dispositions while it traces: what it forwards to the program and
// what a tracee could send to end it, which it drops.
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <csignal>

#include <cstdint>

namespace xpledge::engine {

// Signals whose default action would end the supervisor and that only a tracee has a reason to
// send: caught and dropped. Both leave a signal our caller ignored ignored (the program
// inherits that, as it would without us): note_inherited_ignored() must have run first.
void drop_tracee_signals();
// SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH to xpledge go to the program
// (forward_signals_to's pid; none while it is 0).
void install_signal_forwarding();
void forward_signals_to(pid_t pid);
// The signals ignored when we started, as the kernel has them (bit sig-1), noted before any
// thread exists (glibc catches SIGSETXID, 33, from the first pthread_create on): the program
// gets them ignored too, as it would natively. ignore_raw is async-signal-safe (the spawned
// child) and reaches glibc's reserved signals, which its sigaction() refuses.
void note_inherited_ignored();
std::uint64_t inherited_ignored();
// The kernel's struct sigaction (x86-64): glibc's sigaction() will not show or set its own two.
struct KernelSigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)();
  std::uint64_t mask;
};
// Not instrumented: the spawned child calls it on a stack ASan did not make (launch.cpp).
[[gnu::no_sanitize_address]] inline void ignore_raw(int sig) {
  KernelSigaction ign{};
  ign.handler = SIG_IGN;
  syscall(SYS_rt_sigaction, sig, &ign, nullptr, sizeof ign.mask);
}

}  // namespace xpledge::engine
