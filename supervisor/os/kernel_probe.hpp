#pragma once
// Which system calls the running kernel implements that this build does not name (issue 23):
// each number is tried in a throw-away child with bad arguments (-1 everywhere); ENOSYS means
// "not implemented", anything else (another errno, a result, a signal, a hang) means it is.
// Used by `xpledge check` (the numbers just above the highest known one) and by the probe test
// (tests/probe), which fails naming every implemented number the tables do not name.
#include <cstdint>
#include <string>
#include <vector>

#include "abi.hpp"

namespace xpledge {

struct ProbeHit {
  std::int64_t nr;      // as the ABI numbers it (x32 with kX32SyscallBit)
  std::string outcome;  // "errno EINVAL", "returned 3", "killed by SIGILL", "hung"
};

struct KernelProbe {
  bool available = false;     // can this process make calls through `abi` at all?
  std::string why;            // when not: what the check saw
  std::vector<ProbeHit> hits; // implemented numbers the build does not name, ascending
  int probed = 0;             // how many numbers were tried
};

// Numbers first..last (without the x32 bit) that syscall_known() does not name. Forks one child
// per number; call it before any thread exists.
KernelProbe probe_unnamed_syscalls(Abi abi, std::int64_t first, std::int64_t last);

}  // namespace xpledge
