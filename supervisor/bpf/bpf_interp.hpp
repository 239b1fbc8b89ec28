#pragma once
// A classic-BPF interpreter for seccomp filters. Pure: no kernel, no I/O. It accepts exactly the
// programs the kernel's seccomp(SECCOMP_SET_MODE_FILTER) accepts (bpf_check_classic, then
// seccomp_check_filter) and runs them on a struct seccomp_data as the kernel does, so that the
// bytes the supervisor exports (pre-filter, pledge filters, libxpledge's table) can be held
// against the pure evaluators without loading anything.
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace xpledge::bpf {

// What the kernel does with a filter's return value.
enum class Action { kill_process, kill_thread, trap, errno_ret, user_notif, trace, log, allow };

struct Outcome {
  Action action = Action::kill_process;
  // errno_ret: the errno (capped at 4095 as the kernel does); trap, trace: SECCOMP_RET_DATA.
  std::uint32_t data = 0;
};

// An unknown action kills the process, as in the kernel.
Outcome outcome(std::uint32_t ret);
const char* action_name(Action a);

// Of the return values of stacked filters, newest first, the one the kernel acts on: the lowest
// action (compared as signed 32-bit: KILL_PROCESS is the strictest), the newest among equals.
std::uint32_t strictest(std::span<const std::uint32_t> newest_first);

struct Run {
  std::uint32_t ret = 0;   // the filter's return value
  bool read_args = false;  // a load reached args[]: another run may differ for other arguments
  bool read_ip = false;    // a load reached instruction_pointer
};

class Filter {
 public:
  // Checked as the kernel checks it; see rejected().
  explicit Filter(std::vector<sock_filter> prog);
  // The raw `struct sock_filter` array (host order) libseccomp exports; a trailing partial
  // instruction makes it rejected.
  static Filter from_bytes(std::span<const unsigned char> bytes);

  // Why seccomp(SET_MODE_FILTER) would fail with EINVAL; empty if the kernel takes it.
  const std::string& rejected() const { return rejected_; }
  std::size_t size() const { return prog_.size(); }
  // nullopt for a program the kernel rejects (nothing to run).
  std::optional<Run> run(const seccomp_data& data) const;

 private:
  std::vector<sock_filter> prog_;
  std::string rejected_;
};

// The kernel's checks alone: empty, or why the program is refused.
std::string kernel_check(std::span<const sock_filter> prog);

}  // namespace xpledge::bpf
