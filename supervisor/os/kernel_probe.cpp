#include "kernel_probe.hpp"

#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <optional>

#include "errno_names.hpp"
#include "syscalls.hpp"

namespace xpledge {

namespace {

constexpr long kBad = -1;       // every argument: an invalid fd, pointer, length and flag word
constexpr unsigned kAlarm = 2;  // a call that blocks is implemented too: the alarm ends it

std::string signal_label(int sig) {
  const char* name = sigabbrev_np(sig);
  return name ? "SIG" + std::string(name) : "signal " + std::to_string(sig);
}

// One call through `abi`'s entry: `syscall` for x86-64 and x32, `int $0x80` for i386 (the
// 32-bit entry; a 64-bit process reaches it only with IA32 emulation in the kernel).
long raw_call(Abi abi, std::int64_t nr) {
  if (abi != Abi::i386) return syscall(nr, kBad, kBad, kBad, kBad, kBad, kBad);
  long ret = nr;
  const long bad32 = 0xffffffffL;
  asm volatile("push %%rbp\n\tmov %[bp], %%rbp\n\tint $0x80\n\tpop %%rbp"
               : "+a"(ret)
               : "b"(bad32), "c"(bad32), "d"(bad32), "S"(bad32), "D"(bad32), [bp] "r"(bad32)
               : "memory", "cc", "r8", "r9", "r10", "r11");
  if (ret < 0 && ret > -4096) {
    errno = static_cast<int>(-ret);
    return -1;
  }
  return ret;
}

// Runs `body` (which ends with _exit) in a throw-away child under an alarm: its wait status,
// or nullopt when fork failed (errno set).
template <typename Body>
std::optional<int> in_child(Body body) {
  const pid_t pid = fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    alarm(kAlarm);
    body();
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// The child exits with the errno (1..255), 0 for a result; signals and hangs as they come.
std::string run_in_child(Abi abi, std::int64_t nr, bool& enosys) {
  enosys = false;
  const auto status = in_child([&] {
    errno = 0;
    const long r = raw_call(abi, nr);
    _exit(r == -1 ? (errno & 0xff) : 0);
  });
  if (!status) return std::string("fork failed: ") + std::strerror(errno);
  if (WIFEXITED(*status)) {
    const int code = WEXITSTATUS(*status);
    if (code == ENOSYS) {
      enosys = true;
      return "ENOSYS";
    }
    if (code == 0) return "returned a result";
    return "errno " + errno_name(code);
  }
  if (WIFSIGNALED(*status)) {
    if (WTERMSIG(*status) == SIGALRM) return "hung";
    return "killed by " + signal_label(WTERMSIG(*status));
  }
  return "stopped";
}

// Can calls go through `abi` at all? getpid through its entry must answer our pid.
bool abi_reachable(Abi abi, std::string& why) {
  if (abi == Abi::x86_64) return true;
  const std::int64_t getpid_nr = *syscall_nr(abi, "getpid");
  const auto status = in_child([&] {
    const long r = abi == Abi::i386 ? raw_call(abi, getpid_nr) : syscall(getpid_nr);
    _exit(r == static_cast<long>(getpid()) ? 0 : 1);
  });
  if (!status) {
    why = std::string("fork failed: ") + std::strerror(errno);
    return false;
  }
  if (WIFEXITED(*status) && WEXITSTATUS(*status) == 0) return true;
  why = abi == Abi::i386
            ? "int $0x80 does not reach the 32-bit entry (no IA32 emulation in this kernel)"
            : "the kernel refuses x32 calls (no CONFIG_X86_X32_ABI)";
  if (WIFSIGNALED(*status)) why += "; the check was killed by " + signal_label(WTERMSIG(*status));
  return false;
}

}  // namespace

KernelProbe probe_unnamed_syscalls(Abi abi, std::int64_t first, std::int64_t last) {
  KernelProbe out;
  out.available = abi_reachable(abi, out.why);
  if (!out.available) return out;
  const std::int64_t base = abi == Abi::x32 ? static_cast<std::int64_t>(kX32SyscallBit) : 0;
  for (std::int64_t n = first; n <= last; ++n) {
    if (syscall_known(abi, base + n)) continue;
    ++out.probed;
    bool enosys = false;
    std::string outcome = run_in_child(abi, base + n, enosys);
    if (!enosys) out.hits.push_back({base + n, std::move(outcome)});
  }
  return out;
}

}  // namespace xpledge
