#pragma once
// The supervisor's own signal dispositions while it traces: what it forwards to the program and
// what a tracee could send to end it, which it drops.
#include <sys/types.h>

namespace xpledge::engine {

// Signals whose default action would end the supervisor and that only a tracee has a reason to
// send: caught and dropped. Both leave a signal our caller ignored ignored (the program
// inherits that, as it would without us).
void drop_tracee_signals();
// SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH to xpledge go to the program
// (forward_signals_to's pid; none while it is 0).
void install_signal_forwarding();
void forward_signals_to(pid_t pid);

}  // namespace xpledge::engine
