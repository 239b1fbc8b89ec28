#pragma once
// What the engine reads about a tracee from /proc and the kernel outside ptrace: small, bounded
// reads that answer "unknown" (-1, 0, "?", empty) when the tracee is gone or hides.
#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <vector>
#include <string>
#include <string_view>
#include <utility>

namespace xpledge::engine {

// The `nth` number (from 0) after `key` in /proc/PID/status ("Tgid:", "TracerPid:", "Uid:"
// real effective ...), -1 if unreadable.
long status_field(pid_t pid, std::string_view key, int nth = 0);
pid_t read_tgid(pid_t tid);  // 0 if unreadable
// Whether `tid` is a thread of group `tgid`, and ours to signal (the kernel's answer, not /proc).
bool in_thread_group(pid_t tgid, pid_t tid);
// The thread group of a task a fork/vfork/clone event of `creator_tgid` reported: the child
// itself (a new process) or its creator's (CLONE_THREAD), nothing else can be; 0 if unknown.
pid_t new_task_tgid(pid_t child, pid_t creator_tgid);
std::string read_comm(pid_t tid);  // "?" if unreadable
// At most `cap` bytes of a (/proc) file; empty if unreadable.
std::string read_small_file(const std::string& path, std::size_t cap);
// The numeric entries of a /proc directory (a process's tasks, a task's descriptors); nullopt,
// errno set, when it cannot be opened (gone: ENOENT, or hidden).
std::optional<std::vector<long>> proc_numbers(const std::string& dir);
std::optional<std::pair<dev_t, ino_t>> stat_id(const std::string& path);
bool shares_address_space(pid_t a, pid_t b);

}  // namespace xpledge::engine
