#pragma once
// The one module that knows x86-64 registers: read a stopped call (PTRACE_GET_SYSCALL_INFO),
// skip it, set its return value. Every function returns false when the tracee vanished (ESRCH).
#include <sys/types.h>

#include <cstdint>
#include <optional>

#include "abi.hpp"

namespace xpledge {

enum class SyscallOp : std::uint8_t { none, entry, exit, seccomp };

struct SyscallStopInfo {
  SyscallOp op = SyscallOp::none;
  std::optional<Abi> abi;     // nullopt: an arch we do not know (never allowed)
  std::uint32_t audit_arch = 0;
  Syscall call;               // entry / seccomp
  std::int64_t rval = 0;      // exit
  bool is_error = false;      // exit
  std::uint64_t ip = 0;
};

bool get_syscall_info(pid_t tid, SyscallStopInfo& out);
// Make the kernel run nothing: the syscall number becomes -1 (the kernel leaves -ENOSYS in rax).
bool skip_syscall(pid_t tid);
bool set_return_value(pid_t tid, std::int64_t value);
std::optional<std::int64_t> get_return_value(pid_t tid);
// Replace one argument register of a call stopped at entry/seccomp (e.g. strip a clone flag).
bool set_syscall_arg(pid_t tid, Abi abi, int index, std::uint64_t value);

}  // namespace xpledge
