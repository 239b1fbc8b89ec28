#pragma once
// Where known_syscalls() comes from. A dynamic xpledge probes the libseccomp it runs with, one
// linear search of libseccomp's table per number (~700 per ABI: ~0.15 ms for x86-64, ~0.5 ms
// when a policy with promises indexes all three ABIs). A static xpledge (XPLEDGE_STATIC) has
// that libseccomp built in, so the same probe is run once at build time
// (gen_syscall_table.cpp) and its result compiled in: nothing can differ.
#include <vector>

#include "syscalls.hpp"

namespace xpledge {

// libseccomp's numbers and names for `abi`, then the supplement's, sorted by number: probed now.
std::vector<KnownSyscall> probe_known_syscalls(Abi abi);

// The table written at build time (static builds only; the generated frozen_syscalls.cpp).
std::vector<KnownSyscall> frozen_known_syscalls(Abi abi);

}  // namespace xpledge
