#include "stats.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "syscalls.hpp"

namespace xpledge {

void StatsObserver::on_call(const CallRecord& r) {
  std::string key = r.name ? *r.name : syscall_name(r.call.abi, r.call.nr);
  if (r.call.abi != Abi::x86_64) key = fmt::format("[{}] {}", abi_name(r.call.abi), key);
  Row& row = rows_[key];
  ++row.calls;
  if (r.done == Action::deny) ++row.denied;
  if (r.done == Action::kill) ++row.killed;
  if (r.done == Action::log) ++row.logged;
}

std::string StatsObserver::table() const {
  std::vector<std::pair<std::string, Row>> sorted(rows_.begin(), rows_.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second.calls > b.second.calls; });
  std::string out = fmt::format("xpledge: {:>10} {:>8} {:>8} {:>8}  {}\n", "stops", "denied",
                                "killed", "logged", "syscall");
  Row total;
  for (const auto& [name, row] : sorted) {
    out += fmt::format("xpledge: {:>10} {:>8} {:>8} {:>8}  {}\n", row.calls, row.denied,
                       row.killed, row.logged, name);
    total.calls += row.calls;
    total.denied += row.denied;
    total.killed += row.killed;
    total.logged += row.logged;
  }
  out += fmt::format("xpledge: {:>10} {:>8} {:>8} {:>8}  total\n", total.calls, total.denied,
                     total.killed, total.logged);
  return out;
}

}  // namespace xpledge
