#pragma once
// The one bounded way to read tracee memory: /proc/PID/mem (never process_vm_readv, whose
// faults can wait on a userfaultfd: tracee_mem.cpp).
// Data from a tracee never crashes the supervisor: every failure is an errno.
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace xpledge {

struct StringRead {
  std::string value;
  int err = 0;  // 0, EFAULT (unmapped), ENAMETOOLONG (no NUL within the cap)
};

// Reads a NUL-terminated string of at most `max_len` bytes (the NUL excluded).
StringRead read_string(pid_t pid, std::uint64_t addr, std::size_t max_len);
// Reads exactly `len` bytes; false (EFAULT) if any byte is unreadable.
bool read_bytes(pid_t pid, std::uint64_t addr, void* buf, std::size_t len);

// Writes `len` bytes (syscall injection scratch space only). False on any failure.
bool write_bytes(pid_t pid, std::uint64_t addr, const void* buf, std::size_t len);

// The tracer says when a thread's address space is no longer the one it had (exec) or the tid
// has ended (exit, or swept away by another thread's exec): the file kept for it goes.
void forget_tracee_memory(pid_t tid);

}  // namespace xpledge
