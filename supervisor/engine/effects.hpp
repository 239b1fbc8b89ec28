#pragma once
// The only writers of a tracee's registers and memory: every module that changes what a stopped
// call does (a denial, a pinned path, an injected call, a result) goes through these, so that
// `grep effects::` finds them all. Thin on purpose: os/regs.hpp does the work.
#include <sys/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "regs.hpp"

namespace xpledge::engine::effects {

// The kernel runs nothing (nr -1, which leaves -ENOSYS in rax).
bool skip(pid_t tid);
bool set_return(pid_t tid, std::int64_t value);
// One argument register of a call stopped at entry or seccomp (a pinned path, a cleared flag).
bool set_arg(pid_t tid, Abi abi, int index, std::uint64_t value);
// The stopped call becomes the same ABI's call `nr`, its arguments kept (sendmmsg run as
// sendmsg; at its exit stop, the program's own number back).
bool set_nr(pid_t tid, std::int64_t nr);
// The stopped call becomes x86-64 call `nr` with `args` (an injected call, a rewritten open).
bool inject(pid_t tid, const SavedRegs& base, std::int64_t nr,
            const std::array<std::uint64_t, 4>& args);
// At an injected call's exit stop: the next call of a chain, from the same instruction.
bool reissue(pid_t tid, const SavedRegs& base, std::int64_t nr,
             const std::array<std::uint64_t, 4>& args);
// At an injected call's exit stop: the caller's registers back, with `rax` as its result.
bool restore(pid_t tid, const SavedRegs& regs, std::int64_t rax);
// The same, stepped back over the syscall instruction: the caller's own call runs again.
bool restore_and_restart(pid_t tid, const SavedRegs& regs);
// At the exit stop of a call we repointed: the program's own argument registers and call
// number back (regs.hpp restore_call_args). Tracer::keep_own_args records them.
bool restore_args(pid_t tid, const SavedRegs& saved, Abi abi,
                  std::optional<std::int64_t> expect_nr);
// Bytes below the red zone that an injected call reads (a nesting chain's scratch).
bool write_scratch(pid_t tid, std::uint64_t addr, const void* buf, std::size_t len);
// A result the kernel would have written into the program's memory (sendmmsg's msg_len), after
// the caller checked that the program may write there: /proc/PID/mem itself ignores protections.
bool write_result(pid_t tid, std::uint64_t addr, const void* buf, std::size_t len);

}  // namespace xpledge::engine::effects
