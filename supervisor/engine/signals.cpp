#include "signals.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>

namespace xpledge::engine {

namespace {

// Signals an operator or systemd sends to the supervisor that belong to the program.
constexpr int kForwardedSignals[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

// Signals whose default action would end the supervisor and that nobody has a reason to send
// it: a tracee could (kill(0), kill(-1), SIGIO from an fd it owns, on kernels without Landlock
// signal scoping). Caught and dropped; exec resets caught signals, so the program gets the
// default actions. SIGKILL and the crash signals still end us, and EXITKILL the tracees.
constexpr int kDroppedSignals[] = {SIGALRM, SIGIO,  SIGPIPE, SIGPROF,  SIGVTALRM,
                                   SIGXCPU, SIGXFSZ, SIGPWR, SIGSTKFLT};

void drop_signal(int) {}

// Ignored by whoever started us (nohup, a shell's background job, a service manager): it stays
// ignored, in us and in the program, which inherits SIG_IGN across exec as it would natively.
// Caught, the program would get SIG_DFL and die of a SIGHUP nohup was meant to keep from it.
// note_inherited_ignored() records them before anything here changes a disposition.
std::uint64_t g_inherited_ignored = 0;
bool ignored_by_caller(int sig) {
  return sig >= 1 && sig <= 64 && (g_inherited_ignored >> (sig - 1)) & 1;
}

volatile sig_atomic_t g_child_pid = 0;

void forward_signal(int sig, siginfo_t* info, void*) {
  // A terminal sends SIGINT/SIGQUIT/SIGWINCH/SIGHUP to the whole foreground process group, the
  // child included: forwarding those (si_code SI_KERNEL) would deliver them twice.
  if (info && info->si_code == SI_KERNEL) return;
  if (g_child_pid > 0) kill(g_child_pid, sig);
}

}  // namespace

void note_inherited_ignored() {
  std::uint64_t ignored = 0;
  for (int sig = 1; sig <= 64; ++sig) {
    KernelSigaction old{};
    if (syscall(SYS_rt_sigaction, sig, nullptr, &old, sizeof old.mask) == 0 &&
        old.handler == SIG_IGN)
      ignored |= std::uint64_t{1} << (sig - 1);
  }
  g_inherited_ignored = ignored;
}

std::uint64_t inherited_ignored() { return g_inherited_ignored; }

void drop_tracee_signals() {
  struct sigaction drop {};
  drop.sa_handler = drop_signal;
  drop.sa_flags = SA_RESTART;
  sigemptyset(&drop.sa_mask);
  for (int sig : kDroppedSignals)
    if (!ignored_by_caller(sig)) sigaction(sig, &drop, nullptr);
  for (int sig = SIGRTMIN; sig <= SIGRTMAX; ++sig)
    if (!ignored_by_caller(sig)) sigaction(sig, &drop, nullptr);
}

void install_signal_forwarding() {
  struct sigaction sa {};
  sa.sa_sigaction = forward_signal;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  for (int sig : kForwardedSignals)
    if (!ignored_by_caller(sig)) sigaction(sig, &sa, nullptr);
}

void forward_signals_to(pid_t pid) { g_child_pid = pid; }

}  // namespace xpledge::engine
