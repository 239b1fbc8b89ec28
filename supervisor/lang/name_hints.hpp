#pragma once
// The system call names a policy or a profile may misspell, for "did you mean" (closest(): the
// first candidate wins a tie, so the order is part of the message).
#include <string>
#include <string_view>
#include <vector>

namespace xpledge {

// Every ABI's names in kAllAbis order, with repeats (the policy loader).
const std::vector<std::string_view>& all_syscall_names();
// The same, sorted and each once (`import oci`).
const std::vector<std::string>& sorted_syscall_names();

}  // namespace xpledge
