// --stats (engine/stats.hpp): a row per call name, counted by what was done, not by the verdict
// (an allowed call refused because its path could not be pinned is a denial), and by the stop's
// own name when the record carries it.
#include <doctest/doctest.h>

#include <string>

#include "stats.hpp"
#include "syscalls.hpp"

using namespace xpledge;

TEST_CASE("stats: counted by what was done, named by the stop's lookup") {
  StatsObserver stats;
  CallRecord r;
  r.call = Syscall{Abi::x86_64, *syscall_nr(Abi::x86_64, "openat"), {}};
  r.action = Action::allow;  // the policy's verdict, what learn records
  r.done = Action::allow;
  stats.on_call(r);
  static const RuleRef kScratch{"guard:path-scratch", 0, {}};
  r.done = Action::deny;  // refused after all: no scratch slot (EAGAIN)
  r.done_err = 11;
  r.done_rule = &kScratch;
  stats.on_call(r);
  const std::string stop_name = "a name only the stop knows";
  r.name = &stop_name;
  r.done = Action::allow;
  stats.on_call(r);
  const std::string t = stats.table();
  CHECK(t.find("xpledge:          2        1        0        0  openat\n") != std::string::npos);
  CHECK(t.find("xpledge:          1        0        0        0  a name only the stop knows\n") !=
        std::string::npos);
  CHECK(t.find("xpledge:          3        1        0        0  total\n") != std::string::npos);
}
