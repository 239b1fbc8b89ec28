#include <doctest/doctest.h>

#include <linux/io_uring.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "ring_fds.hpp"

using namespace xpledge::engine;

TEST_CASE("ring_fds: what /proc shows of an io_uring") {
  CHECK(is_ring_link("anon_inode:[io_uring]"));
  CHECK_FALSE(is_ring_link("anon_inode:[eventfd]"));
  CHECK_FALSE(is_ring_link("/tmp/anon_inode:[io_uring]"));  // a file named so is a file
  CHECK_FALSE(is_ring_link("anon_inode:[io_uring] (deleted)"));
  CHECK(is_ring_mapping("7f62a000-7f62b000 rw-s 00000000 00:10 20588809      anon_inode:[io_uring]"));
  CHECK(is_ring_mapping("7f62a000-7f62b000 rw-s 10000000 00:10 20588809   anon_inode:[io_uring]\n"));
  CHECK_FALSE(is_ring_mapping("7f62a000-7f62b000 r--p 00000000 08:01 42   /usr/lib/libc.so.6"));
  CHECK_FALSE(is_ring_mapping("7f62a000-7f62b000 rw-p 00000000 00:00 0"));
  // /proc/TID/stat: flags is the 9th field; PF_IO_WORKER (0x10) = 0x404050 & 0x10.
  CHECK(is_io_worker_stat("27653 (iou-sqp-27652) S 1 27652 27652 0 -1 4210768 0 0 0 0 1 0"));
  CHECK(is_io_worker_stat("27653 (uring_sqpoll) S 1 27652 27652 0 -1 4210768 0"));  // not renamed yet
  CHECK_FALSE(is_io_worker_stat("27652 (uring_sqpoll) S 1 27652 27652 0 -1 4194560 0 0"));
  CHECK_FALSE(is_io_worker_stat("27652 (a) b) S 1 27652 27652 0 -1 4194560 0 0"));  // ')' in a name
  CHECK(is_io_worker_stat("27652 (a) 1 2 3 4 5 6) S 1 27652 27652 0 -1 16 0"));
  CHECK_FALSE(is_io_worker_stat("27652 (trunc) S 1 2"));
  CHECK_FALSE(is_io_worker_stat(""));
}

// The supervisor's own process as the one looked at: no ring, then one, then none again.
TEST_CASE("ring_fds: ring_held sees a descriptor of a ring and its closing") {
  const pid_t self = getpid();
  CHECK(ring_held(self).empty());
  io_uring_params p;
  std::memset(&p, 0, sizeof p);
  const long fd = syscall(__NR_io_uring_setup, 2, &p);
  if (fd < 0) {
    MESSAGE("SKIP: io_uring_setup fails here (" << std::strerror(errno) << ")");
    return;
  }
  const std::string seen = ring_held(self);
  CHECK(seen.find("descriptor " + std::to_string(fd)) != std::string::npos);
  close(static_cast<int>(fd));
  CHECK(ring_held(self).empty());
}
