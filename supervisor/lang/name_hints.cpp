#include "name_hints.hpp"

#include <set>

#include "syscalls.hpp"

namespace xpledge {

const std::vector<std::string_view>& all_syscall_names() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (Abi a : kAllAbis)
      for (const std::string& n : syscall_names(a)) out.push_back(n);
    return out;
  }();
  return names;
}

const std::vector<std::string>& sorted_syscall_names() {
  static const std::vector<std::string> names = [] {
    const auto& all = all_syscall_names();
    const std::set<std::string> once(all.begin(), all.end());
    return std::vector<std::string>(once.begin(), once.end());
  }();
  return names;
}

}  // namespace xpledge
