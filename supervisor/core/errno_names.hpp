#pragma once
// Errno names ("EUCLEAN") as the C library spells them: the one table the policy loader, `check`,
// `import oci` and the audit log share.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xpledge {

inline constexpr int kMaxErrno = 4095;  // the kernel's MAX_ERRNO

// "EACCES"; the number as text for one the C library does not name.
std::string errno_name(int err);
// 13 for "EACCES"; nullopt for a name no errno in 1..kMaxErrno has.
std::optional<int> errno_from_name(std::string_view name);
// Every named errno in 1..kMaxErrno, in number order (for "did you mean").
std::vector<std::string> errno_names();

}  // namespace xpledge
