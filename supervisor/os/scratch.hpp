#pragma once
// Path-argument races (TOCTOU): another thread can rewrite a path buffer between our check and
// the kernel's read. For a call allowed after looking at its paths, the tracer copies the exact
// bytes it checked into this thread's slot of a scratch area and points the argument there, so
// the kernel reads what was checked.
//
// The area is one System V shared memory segment for the whole sandbox: the supervisor attaches
// it read-write; each tracee image attaches it read-only (SHM_RDONLY, an injected shmat at its
// first path-checked call, at the same fixed address in every process) and cannot make it
// writable: the attachment is a shared mapping of a read-only file, so mprotect(PROT_WRITE)
// fails and even /proc/self/mem cannot force a write (the kernel forces writes only into
// copy-on-write mappings). What could swap or re-attach it (munmap, mremap, mmap(MAP_FIXED),
// remap_file_pages, shmdt, shmat(SHM_REMAP), shmctl or a writable shmat of the segment) is
// refused by the guard. The segment is marked for removal at once: it goes with the last
// process attached to it. Its mode is 0400: only the supervisor's user (the creator) and the
// one user admit() last named (a tracee that dropped to another uid, about to attach) may
// attach it; other local users cannot read the paths it holds. Slots are per thread id, so vfork children and CLONE_VM processes
// sharing the attachment never share a slot.
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "scratch_layout.hpp"

namespace xpledge {

// The area's address and sizes (kAddr, kEnd, overlaps, ...) are ScratchLayout's (core/).
class PathScratch : public ScratchLayout {
 public:
  PathScratch() = default;
  PathScratch(const PathScratch&) = delete;
  PathScratch& operator=(const PathScratch&) = delete;
  ~PathScratch();

  // Creates and attaches the segment; false with `error` set if System V shm is unavailable.
  bool create(std::string& error);
  bool ready() const { return base_ != nullptr; }
  int id() const { return id_; }

  // Before a tracee running as `euid` attaches: makes `euid` the owner unless it is the
  // creator or the owner already. One owner at a time, so an attach of another user in flight
  // can fail with EACCES; generation() changes with each new owner, so that failure can be told
  // apart from a real refusal and retried. False (errno's text in `error`) if IPC_SET failed.
  bool admit(uid_t euid, std::string& error);
  std::uint64_t generation() const { return generation_; }

  // Copies `bytes` and a NUL into tid's slot `index` (0 or 1); the address in the tracee, or
  // nullopt when every slot is taken or the bytes do not fit.
  std::optional<std::uint64_t> pin(pid_t tid, std::size_t index, std::string_view bytes);
  // The same for binary data (openat2's struct open_how): up to kPathBytes, no NUL added.
  std::optional<std::uint64_t> pin_bytes(pid_t tid, std::size_t index, std::string_view bytes);
  void release(pid_t tid);

  // A seccomp program (raw struct sock_filter bytes) in the program region: the tracee address
  // of its struct sock_fprog, the same in every tracee. Written the first time it is asked for;
  // nullopt when the region is full or it is not a whole number of instructions.
  std::optional<std::uint64_t> pin_program(std::string_view program);

  // What a tracee's address space holds at [kAddr, kEnd): this segment attached read-only over
  // the whole range, nothing, or anything else. The supervisor's belief that an image has the
  // area is state the kernel need not share (a fork child loses it to madvise(MADV_DONTFORK); a
  // CLONE_VM child attaches it for its parent): before it pins into an address space it has not
  // seen attach the area itself, it looks.
  enum class Seen : std::uint8_t { ours, free, other };
  // From the text of /proc/PID/maps (pure; lines sorted by address, as the kernel writes them).
  static Seen classify_maps(std::string_view maps, int id);
  // Reads /proc/PID/maps up to kEnd; `other` if it cannot be read (fail closed).
  Seen seen_in(pid_t pid) const;

 private:
  int id_ = -1;
  char* base_ = nullptr;
  // The permissions as last set: IPC_STAT needs the read permission admit() may give away.
  struct Perm {
    uid_t creator = 0, owner = 0;
    gid_t gid = 0;
  } perm_;
  std::uint64_t generation_ = 0;
  std::unordered_map<pid_t, std::size_t> slot_of_;
  std::vector<std::size_t> free_;
  std::size_t next_ = 0;
  std::unordered_map<std::string, std::uint64_t> programs_;  // program bytes -> its fprog
  std::size_t program_used_ = 0;
};

}  // namespace xpledge
