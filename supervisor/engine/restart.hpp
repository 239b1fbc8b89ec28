#pragma once
// How a stop ends. Handlers say it; the loop (loop.cpp restart()) is the only place that
// restarts a tracee, so every stop is restarted exactly once, or deliberately not at all.
#include <cstdint>

namespace xpledge::engine {

struct Restart {
  enum class Kind : std::uint8_t {
    resume,  // PTRACE_CONT, or PTRACE_SYSCALL when the thread's exit stop has work; `signal`
    listen,  // a group-stop: stays stopped, the kernel wakes it on SIGCONT (PTRACE_LISTEN)
    hold,    // left stopped on purpose (an embryo, a parked call): a later stop releases it
    gone,    // it vanished at the stop (ESRCH): nothing to restart
  };
  Kind kind = Kind::resume;
  int signal = 0;
};

inline constexpr Restart kResume{Restart::Kind::resume, 0};
inline constexpr Restart kListen{Restart::Kind::listen, 0};
inline constexpr Restart kHold{Restart::Kind::hold, 0};
inline constexpr Restart kGone{Restart::Kind::gone, 0};
inline constexpr Restart resume_with(int signal) { return {Restart::Kind::resume, signal}; }

}  // namespace xpledge::engine
