#pragma once
// The one module that knows x86-64 registers: read a stopped call (PTRACE_GET_SYSCALL_INFO),
// skip it, set its return value. Every function returns false when the tracee vanished (ESRCH).
#include <sys/types.h>

#include <array>
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
// At a signal-delivery stop: the x86-64 call the signal interrupted and that the kernel may run
// again once the handler returns (rax -ERESTARTSYS, -ERESTARTNOINTR or -ERESTARTNOHAND), as
// (number, arguments); nullopt if there is none.
std::optional<Syscall> interrupted_restartable_call(pid_t tid);
// At a PTRACE_EVENT_EXEC stop: the number of the call that made the exec (execve or execveat,
// as the ABI numbers them); the kernel keeps it in orig_rax while the new image waits.
std::optional<std::int64_t> exec_event_syscall(pid_t tid);
// Make the kernel run nothing: the syscall number becomes -1 (the kernel leaves -ENOSYS in rax).
bool skip_syscall(pid_t tid);
// Make the stopped call another one (number as the ABI numbers it, x32 bit included); at a
// seccomp stop the kernel then runs the other filters again on it.
bool set_syscall_nr(pid_t tid, std::int64_t nr);
bool set_return_value(pid_t tid, std::int64_t value);
std::optional<std::int64_t> get_return_value(pid_t tid);
// Replace one argument register of a call stopped at entry/seccomp (e.g. strip a clone flag).
bool set_syscall_arg(pid_t tid, Abi abi, int index, std::uint64_t value);

// Syscall injection (turning a stopped call into another one, then restoring the caller's
// registers at its exit stop): the kernel preserves every register but rax/rcx/r11 across a
// syscall, and callers rely on it.
struct SavedRegs {
  unsigned char raw[27 * 8];  // struct user_regs_struct, kept opaque outside regs.cpp
};
bool save_regs(pid_t tid, SavedRegs& out);
std::uint64_t saved_stack_pointer(const SavedRegs& regs);
// From a syscall stop: run x86-64 syscall `nr` with `args` instead of the stopped one.
bool rewrite_syscall(pid_t tid, const SavedRegs& base, std::int64_t nr,
                     const std::array<std::uint64_t, 4>& args);
// At the exit stop: put the caller's registers back, with `rax` as the call's result.
bool restore_regs(pid_t tid, const SavedRegs& regs, std::int64_t rax);
// At the exit stop of an injected call: put the caller's registers back and step back over the
// 2-byte syscall instruction (syscall, int $0x80 and sysenter are all 2 bytes, which the
// kernel's own restarts rely on), so that the caller's call runs again when resumed.
bool restore_regs_and_restart(pid_t tid, const SavedRegs& regs);
// At the exit stop of a call whose argument registers we changed (a pinned path, an open made
// another call): the argument registers of `abi` (x86-64/x32: rdi rsi rdx r10 r8 r9; i386:
// ebx ecx edx esi edi ebp) and the call number (orig_rax) as `saved` had them at its entry,
// the result (rax) as it is. The kernel keeps every register but rax/rcx/r11 (int 0x80: but
// eax) across a call, and compilers rely on it; a restarted call (-ERESTARTSYS...) then runs
// the program's own call again. With `expect_nr`, false and nothing touched if the stopped
// call's number is another (the thread is not where its record says).
bool restore_call_args(pid_t tid, const SavedRegs& saved, Abi abi,
                       std::optional<std::int64_t> expect_nr);
// At the exit stop of an injected call: run x86-64 syscall `nr` with `args` next, from the same
// syscall instruction (a chain of injected calls), the caller's other registers as in `base`.
bool reissue_syscall(pid_t tid, const SavedRegs& base, std::int64_t nr,
                     const std::array<std::uint64_t, 4>& args);

}  // namespace xpledge
