#pragma once
// Where the path scratch area (os/scratch.hpp) lies in every tracee's address space: what the
// guard (rules/) and the pre-filter (bpf/) must know to keep memory calls away from it, without
// the System V segment itself.
#include <cstddef>
#include <cstdint>

namespace xpledge {

struct ScratchLayout {
  // Below 2 GiB, away from where x86-64 programs map things (PIE and mmap live near 0x55.../
  // 0x7f..., non-PIE binaries at 0x400000 with their heap right after), so that the pre-filter
  // can let memory calls naming higher addresses run without a stop.
  static constexpr std::uint64_t kAddr = 0x7d000000;
  static constexpr std::size_t kPathBytes = 4096;               // PATH_MAX, NUL included
  static constexpr std::size_t kSlotBytes = 2 * kPathBytes;     // rename & co. take two paths
  static constexpr std::size_t kSlots = 4096;                   // threads with a pinned call
  // After the slots: the pledge filters' BPF programs, each with its struct sock_fprog, written
  // once per distinct program and never changed, so that the kernel's copy in an injected
  // seccomp() reads what we wrote (issue 15: on the tracee's stack a sibling thread rewrote it).
  static constexpr std::size_t kProgramBytes = 2 << 20;
  static constexpr std::size_t kSize = kSlots * kSlotBytes + kProgramBytes;  // touched pages only
  static constexpr std::uint64_t kEnd = kAddr + kSize;

  static constexpr bool overlaps(std::uint64_t addr, std::uint64_t len) {
    const std::uint64_t end = addr + len < addr ? UINT64_MAX : addr + len;
    // A zero length still names the page at addr for calls that round up.
    return addr < kEnd && (end > kAddr || (len == 0 && addr >= kAddr));
  }
};

}  // namespace xpledge
