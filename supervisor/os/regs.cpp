#include "regs.hpp"

#include <sys/ptrace.h>
#include <sys/user.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

namespace xpledge {

namespace {

long poke_user(pid_t tid, std::size_t offset, std::uint64_t value) {
  return ptrace(PTRACE_POKEUSER, tid, reinterpret_cast<void*>(offset),
                reinterpret_cast<void*>(value));
}

std::size_t reg_offset(std::size_t field) { return offsetof(struct user, regs) + field; }

}  // namespace

bool get_syscall_info(pid_t tid, SyscallStopInfo& out) {
  __ptrace_syscall_info info{};
  const long n = ptrace(PTRACE_GET_SYSCALL_INFO, tid, reinterpret_cast<void*>(sizeof info), &info);
  if (n <= 0) return false;
  out = SyscallStopInfo{};
  out.audit_arch = info.arch;
  out.ip = info.instruction_pointer;
  switch (info.op) {
    case PTRACE_SYSCALL_INFO_ENTRY:
    case PTRACE_SYSCALL_INFO_SECCOMP: {
      const bool entry = info.op == PTRACE_SYSCALL_INFO_ENTRY;
      out.op = entry ? SyscallOp::entry : SyscallOp::seccomp;
      const std::uint64_t nr = entry ? info.entry.nr : info.seccomp.nr;
      const auto* args = entry ? info.entry.args : info.seccomp.args;
      out.abi = abi_from_audit(info.arch, nr);
      out.call.abi = out.abi.value_or(Abi::x86_64);
      // i386: 32-bit registers; a negative number is -1 as a 32-bit int too.
      out.call.nr = out.call.abi == Abi::i386 ? static_cast<std::int32_t>(nr)
                                              : static_cast<std::int64_t>(nr);
      for (int i = 0; i < 6; ++i)
        out.call.args[static_cast<std::size_t>(i)] =
            out.call.abi == Abi::i386 ? (args[i] & 0xffffffffu) : args[i];
      break;
    }
    case PTRACE_SYSCALL_INFO_EXIT:
      out.op = SyscallOp::exit;
      out.rval = info.exit.rval;
      out.is_error = info.exit.is_error != 0;
      break;
    default:
      out.op = SyscallOp::none;
  }
  return true;
}

bool skip_syscall(pid_t tid) {
  return poke_user(tid, reg_offset(offsetof(user_regs_struct, orig_rax)),
                   static_cast<std::uint64_t>(-1)) == 0;
}

bool set_syscall_nr(pid_t tid, std::int64_t nr) {
  return poke_user(tid, reg_offset(offsetof(user_regs_struct, orig_rax)),
                   static_cast<std::uint64_t>(nr)) == 0;
}

bool set_return_value(pid_t tid, std::int64_t value) {
  return poke_user(tid, reg_offset(offsetof(user_regs_struct, rax)),
                   static_cast<std::uint64_t>(value)) == 0;
}

std::optional<std::int64_t> get_return_value(pid_t tid) {
  errno = 0;
  const long v = ptrace(PTRACE_PEEKUSER, tid,
                        reinterpret_cast<void*>(reg_offset(offsetof(user_regs_struct, rax))),
                        nullptr);
  if (v == -1 && errno != 0) return std::nullopt;
  return v;
}

bool set_syscall_arg(pid_t tid, Abi abi, int index, std::uint64_t value) {
  // x86-64 and x32: rdi rsi rdx r10 r8 r9; i386 (int 0x80): ebx ecx edx esi edi ebp.
  static constexpr std::size_t k64[] = {
      offsetof(user_regs_struct, rdi), offsetof(user_regs_struct, rsi),
      offsetof(user_regs_struct, rdx), offsetof(user_regs_struct, r10),
      offsetof(user_regs_struct, r8),  offsetof(user_regs_struct, r9)};
  static constexpr std::size_t k32[] = {
      offsetof(user_regs_struct, rbx), offsetof(user_regs_struct, rcx),
      offsetof(user_regs_struct, rdx), offsetof(user_regs_struct, rsi),
      offsetof(user_regs_struct, rdi), offsetof(user_regs_struct, rbp)};
  if (index < 0 || index > 5) return false;
  const auto i = static_cast<std::size_t>(index);
  return poke_user(tid, reg_offset(abi == Abi::i386 ? k32[i] : k64[i]), value) == 0;
}

static_assert(sizeof(SavedRegs::raw) == sizeof(user_regs_struct));

bool restore_call_args(pid_t tid, const SavedRegs& saved, Abi abi,
                       std::optional<std::int64_t> expect_nr) {
  user_regs_struct now{}, was{};
  std::memcpy(&was, saved.raw, sizeof was);
  if (ptrace(PTRACE_GETREGS, tid, nullptr, &now) != 0) return false;
  if (expect_nr && static_cast<std::int64_t>(now.orig_rax) != *expect_nr) return false;
  if (abi == Abi::i386) {
    now.rbx = was.rbx, now.rcx = was.rcx, now.rdx = was.rdx;
    now.rsi = was.rsi, now.rdi = was.rdi, now.rbp = was.rbp;
  } else {
    now.rdi = was.rdi, now.rsi = was.rsi, now.rdx = was.rdx;
    now.r10 = was.r10, now.r8 = was.r8, now.r9 = was.r9;
  }
  now.orig_rax = was.orig_rax;
  return ptrace(PTRACE_SETREGS, tid, nullptr, &now) == 0;
}

std::optional<Syscall> interrupted_restartable_call(pid_t tid) {
  // The kernel's restart codes (include/linux/errno.h), which a handler never sees.
  constexpr std::int64_t kRestartSys = 512, kRestartNoIntr = 513, kRestartNoHand = 514;
  user_regs_struct r{};
  if (ptrace(PTRACE_GETREGS, tid, nullptr, &r) != 0) return std::nullopt;
  const auto rax = static_cast<std::int64_t>(r.rax);
  if (rax != -kRestartSys && rax != -kRestartNoIntr && rax != -kRestartNoHand) return std::nullopt;
  Syscall c;
  c.abi = (r.orig_rax & kX32SyscallBit) ? Abi::x32 : Abi::x86_64;
  c.nr = static_cast<std::int64_t>(r.orig_rax);
  c.args = {r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9};
  return c;
}

std::optional<std::int64_t> exec_event_syscall(pid_t tid) {
  user_regs_struct r{};
  if (ptrace(PTRACE_GETREGS, tid, nullptr, &r) != 0) return std::nullopt;
  return static_cast<std::int64_t>(r.orig_rax);
}

bool save_regs(pid_t tid, SavedRegs& out) {
  return ptrace(PTRACE_GETREGS, tid, nullptr, out.raw) == 0;
}

std::uint64_t saved_stack_pointer(const SavedRegs& regs) {
  user_regs_struct r{};
  std::memcpy(&r, regs.raw, sizeof r);
  return r.rsp;
}

bool rewrite_syscall(pid_t tid, const SavedRegs& base, std::int64_t nr,
                     const std::array<std::uint64_t, 4>& args) {
  user_regs_struct r{};
  std::memcpy(&r, base.raw, sizeof r);
  r.orig_rax = static_cast<std::uint64_t>(nr);
  r.rdi = args[0];
  r.rsi = args[1];
  r.rdx = args[2];
  r.r10 = args[3];
  return ptrace(PTRACE_SETREGS, tid, nullptr, &r) == 0;
}

bool restore_regs(pid_t tid, const SavedRegs& regs, std::int64_t rax) {
  user_regs_struct r{};
  std::memcpy(&r, regs.raw, sizeof r);
  r.rax = static_cast<std::uint64_t>(rax);
  return ptrace(PTRACE_SETREGS, tid, nullptr, &r) == 0;
}

bool restore_regs_and_restart(pid_t tid, const SavedRegs& regs) {
  user_regs_struct r{};
  std::memcpy(&r, regs.raw, sizeof r);
  r.rax = r.orig_rax;
  r.rip -= 2;
  return ptrace(PTRACE_SETREGS, tid, nullptr, &r) == 0;
}

bool reissue_syscall(pid_t tid, const SavedRegs& base, std::int64_t nr,
                     const std::array<std::uint64_t, 4>& args) {
  user_regs_struct r{};
  std::memcpy(&r, base.raw, sizeof r);
  r.rax = r.orig_rax = static_cast<std::uint64_t>(nr);
  r.rip -= 2;
  r.rdi = args[0];
  r.rsi = args[1];
  r.rdx = args[2];
  r.r10 = args[3];
  return ptrace(PTRACE_SETREGS, tid, nullptr, &r) == 0;
}

}  // namespace xpledge
