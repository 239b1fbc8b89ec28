#pragma once
// What the exit stop of a thread's current call must do: one phase, set at the entry stop (or
// the stop that injected a call in its place) and consumed at the exit stop. Exactly one holds;
// Running: the exit stop has nothing to do for it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "abi.hpp"
#include "exec_images.hpp"
#include "pledge.hpp"
#include "policy.hpp"
#include "promises.hpp"
#include "regs.hpp"
#include "unveil.hpp"

namespace xpledge::engine {

namespace phase {

struct Running {};

// A call skipped at syscall entry (PTRACE_SYSCALL mode): its result is written at exit.
struct AwaitingReturn {
  std::int64_t value = 0;
  // The call skipped, named only by the warning should the kernel have run it anyway: never
  // looked up on the way (a denial is common, the warning is not).
  Abi abi = Abi::x86_64;
  std::int64_t skipped_nr = -1;
};

// A filter injected as seccomp(SET_MODE_FILTER, TSYNC) in place of the call: a pledge filter
// (xpledge(), or the first call after an exec with execpromises) or the unveil filter (the
// first xunveil() in seccomp mode). The caller's registers; the Seccomp_filters count before;
// the promises a pledge filter narrows the kernel to; what to commit once the kernel really
// installed it: for xpledge() the pledge state (none: the exec filter) and the process's
// nesting level then; for xunveil() the unveil table (set: this is the unveil filter).
struct AwaitingFilter {
  SavedRegs regs;
  long filters_before = -1;
  PromiseSet set;
  std::optional<PledgeState> pledge;
  std::optional<int> nest_level;
  std::optional<UnveilState> unveil;
};

// shmat of the path scratch segment injected in place of a path-checked call: the caller's
// registers, to restart its call at the exit stop; the segment's owner generation then.
struct AwaitingScratch {
  SavedRegs regs;
  std::uint64_t generation = 0;
};

// The thread's own seccomp() runs (ProcessState::seccomp_running counts it until its exit).
struct SeccompRunning {};

// An allowed path call whose object is checked again at its exit stop (plan_exit_check says
// which): what the check saw.
struct ExitCheck {
  Syscall call;
  std::string_view name;  // its signature's (a static table): for the warnings
  PathArg arg;            // the (first) path as judged
  std::string dest;       // a move: the new name, which must now be `arg.id`
  bool open = false;      // an open: the descriptor returned must be `arg.id`
  bool truncate = false;  // its O_TRUNC was taken off: done at exit, on the file judged
};

// A file mapping made executable that was judged at entry (exec_images.hpp): what the kernel
// mapped is judged again at the exit stop (another thread may have dup2'ed the fd, or mapped
// another file at the address, in between).
struct ExecMapWatch {
  ExecMapCall kind = ExecMapCall::none;
  Abi abi = Abi::x86_64;
  std::uint64_t addr = 0, len = 0;
  std::vector<ExecImage> judged;
};

// An allowed execve/execveat under exec path rules: the file it named, as resolved at entry.
// At the exec event the `#!` chain that started from it (the script is not /proc/PID/exe) is
// judged too; a failed exec's exit stop just ends it.
struct ExecCall {
  std::string target;
};

// A sendmmsg that dns let run as a sendmsg of its first message (addr_pinning.cpp): at the exit
// stop the byte count goes into the program's vec[0].msg_len and the call returns 1; the
// program's own call (number, vector) is put back in the registers, so that a restarted call is
// its sendmmsg, judged afresh.
struct MmsgAsMsg {
  Syscall program;           // the sendmmsg as the program made it
  std::uint64_t len_at = 0;  // &vec[0].msg_len
};

// A call whose argument registers we repointed (at a pinned path, address or struct) or that we
// made another call (an open made an openat2): the program's registers at its entry, put back at
// its exit stop (Tracer::keep_own_args). `nr_at_exit`: the number the kernel runs.
struct OwnArgs {
  SavedRegs regs;
  Abi abi = Abi::x86_64;
  Syscall call;  // the program's own call, as the stop saw it
  std::int64_t nr_at_exit = -1;
  bool exec = false;  // execve/execveat: a success leaves a new image, whose registers stay
};

}  // namespace phase

using ExitPhase = std::variant<phase::Running, phase::AwaitingReturn, phase::AwaitingFilter,
                               phase::AwaitingScratch, phase::SeccompRunning, phase::ExitCheck,
                               phase::ExecMapWatch, phase::ExecCall, phase::MmsgAsMsg>;

template <typename P>
bool in_phase(const ExitPhase& p) {
  return std::holds_alternative<P>(p);
}

}  // namespace xpledge::engine
