#pragma once
// Whether a process holds an io_uring instance. A ring submits without system calls: with
// IORING_SETUP_SQPOLL a kernel thread of the creator's group consumes the entries the program
// writes into ring memory, and requests queued before (a linked timeout) run later on their own.
// A table the supervisor checks at system calls (unveil, pledge) cannot narrow what such a ring
// reaches, so narrowing is refused while one is held (unveil_calls.cpp, pledge_calls.cpp).
// Read from /proc once per narrowing call, never per stop.
#include <sys/types.h>

#include <string>
#include <string_view>

namespace xpledge::engine {

// What /proc shows of a ring (pure).
bool is_ring_link(std::string_view fd_link);           // /proc/PID/fd/N's target
bool is_ring_mapping(std::string_view maps_line);      // a line of /proc/PID/maps
// A /proc/TID/stat line of an io_uring kernel thread (iou-sqp-N: SQPOLL; iou-wrk-N: async work):
// PF_IO_WORKER in its flags, set when the kernel creates it (its name comes later, when it runs).
bool is_io_worker_stat(std::string_view stat);

// "" when the process shows no ring: no descriptor of one in the file table of any of its
// threads, no mapping of one, no io_uring kernel thread in its group (a ring registered with
// IORING_REGISTER_RING_FDS whose rings are the program's own memory, IORING_SETUP_NO_MMAP,
// shows only its thread). Otherwise what was seen, for the log; a /proc it cannot read counts
// as a ring (the answer must not be "none" when it could not look).
std::string ring_held(pid_t tgid);

}  // namespace xpledge::engine
