#include "oci_tables.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace xpledge::oci {

namespace {

// By Action.
constexpr ActionMapping kMappings[] = {
    {"allow", "allow", false, "", ""},
    {"deny", "deny", false, "", ""},
    {"kill", "kill", false, "", ""},
    {"kill", "kill", false,
     "defaultAction {} kills the calling thread; xpledge's kill kills the whole process",
     "{} kills the thread; xpledge's kill kills the process"},
    {"kill", "kill", false,
     "defaultAction SCMP_ACT_TRAP (SIGSYS to the caller) becomes kill: xpledge cannot deliver a "
     "SIGSYS with seccomp's siginfo",
     "SCMP_ACT_TRAP (SIGSYS) becomes kill"},
    {"deny", "deny", true,
     "defaultAction SCMP_ACT_TRACE becomes deny with ENOSYS, what the kernel answers when no "
     "seccomp tracer is attached",
     "SCMP_ACT_TRACE becomes deny with ENOSYS (no seccomp tracer)"},
    {"allow", "log", false,
     "defaultAction SCMP_ACT_LOG becomes allow: xpledge logs only calls a log: rule names", ""},
    {"", "", false,
     "defaultAction SCMP_ACT_NOTIFY needs a seccomp notification listener; xpledge cannot "
     "express it",
     "SCMP_ACT_NOTIFY needs a notification listener; not imported (the calls get the default "
     "action)"},
};

// By kActionNames: SCMP_ACT_KILL is libseccomp's old name for SCMP_ACT_KILL_THREAD.
constexpr OciAction kActions[] = {OciAction::allow, OciAction::errno_ret, OciAction::kill_process,
                               OciAction::kill_thread, OciAction::kill_thread, OciAction::trap,
                               OciAction::trace, OciAction::log, OciAction::notify};
static_assert(std::size(kActions) == std::size(kActionNames));

}  // namespace

std::optional<OciAction> action_from(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kActionNames); ++i)
    if (kActionNames[i] == name) return kActions[i];
  return std::nullopt;
}

const ActionMapping& mapping(OciAction a) { return kMappings[static_cast<std::size_t>(a)]; }

std::string with_action(std::string_view text, std::string_view action) {
  std::string out(text);
  if (const std::size_t at = out.find("{}"); at != std::string::npos)
    out.replace(at, 2, action);
  return out;
}

std::string canonical_cap(std::string cap) {
  for (auto& c : cap) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (!cap.starts_with("CAP_")) cap = "CAP_" + cap;
  return cap;
}

std::optional<std::pair<int, int>> kernel_version(std::string_view s) {
  int major = 0, minor = 0;
  const std::string text(s);
  if (std::sscanf(text.c_str(), "%d.%d", &major, &minor) != 2) return std::nullopt;
  return std::pair{major, minor};
}

}  // namespace xpledge::oci
