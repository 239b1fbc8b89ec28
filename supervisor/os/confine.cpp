#include "confine.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace xpledge {

namespace {

// Debian 12's kernel headers (6.1) predate Landlock ABI 6: the attribute's later fields and the
// scope bits are spelt out here, with the kernel's values (include/uapi/linux/landlock.h).
struct RulesetAttr {
  std::uint64_t handled_access_fs;
  std::uint64_t handled_access_net;  // ABI 4
  std::uint64_t scoped;              // ABI 6
};
constexpr std::uint64_t kScopeSignal = 1ULL << 1;  // LANDLOCK_SCOPE_SIGNAL
constexpr unsigned kLogNewExecOn = 1U << 1;        // LANDLOCK_RESTRICT_SELF_LOG_NEW_EXEC_ON

long landlock_abi() {
  return syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
}

bool has_effective_cap(int cap) {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (syscall(SYS_capget, &hdr, data) != 0) return false;
  return (data[cap / 32].effective >> (cap % 32)) & 1U;
}

int drop_cap_sys_ptrace(const char** step) {
  // The bounding set needs CAP_SETPCAP to shrink; without it (an unprivileged user) the cap is
  // not ours to begin with, and a traced exec cannot gain it from file capabilities.
  if (prctl(PR_CAPBSET_READ, CAP_SYS_PTRACE) == 1 && has_effective_cap(CAP_SETPCAP) &&
      prctl(PR_CAPBSET_DROP, CAP_SYS_PTRACE) != 0) {
    *step = "prctl(PR_CAPBSET_DROP, CAP_SYS_PTRACE)";
    return errno;
  }
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_SYS_PTRACE, 0, 0);  // EINVAL on old kernels
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (syscall(SYS_capget, &hdr, data) != 0) {
    *step = "capget";
    return errno;
  }
  const auto bit = ~(1U << (CAP_SYS_PTRACE % 32));
  auto& d = data[CAP_SYS_PTRACE / 32];
  d.effective &= bit;
  d.permitted &= bit;
  d.inheritable &= bit;
  if (syscall(SYS_capset, &hdr, data) != 0) {
    *step = "capset";
    return errno;
  }
  return 0;
}

}  // namespace

ConfinePlan probe_confinement() {
  ConfinePlan p;
  const long abi = landlock_abi();
  p.landlock_abi = abi > 0 ? static_cast<int>(abi) : 0;
  p.scope_signals = p.landlock_abi >= 6;
  p.drop_ptrace_cap = p.landlock_abi == 0;
  return p;
}

std::string describe(const ConfinePlan& p) {
  if (p.landlock_abi == 0)
    return "no Landlock on this kernel: CAP_SYS_PTRACE dropped; tracees can still reach other "
           "processes of the user and signal the supervisor by group";
  std::string s = "Landlock ABI " + std::to_string(p.landlock_abi) +
                  ": tracees cannot ptrace or open /proc/PID/{mem,fd,...} of processes outside "
                  "the sandbox";
  s += p.scope_signals ? ", nor signal them"
                       : "; signal scoping needs Landlock ABI 6 (Linux 6.12), not available";
  return s;
}

RulesetSpec ruleset_spec(const ConfinePlan& p, bool nested) {
  RulesetSpec s;
  if (p.landlock_abi <= 0) return s;
  // scope_signals is the plan's word for ABI 6+ (the struct has its `scoped` field then).
  s.size = p.scope_signals       ? sizeof(RulesetAttr)
           : p.landlock_abi >= 4 ? 2 * sizeof(std::uint64_t)
                                 : sizeof(std::uint64_t);
  if (p.scope_signals) {
    // Nothing handled but the scope and the path allow-list's rights: no other file access
    // changes, re-parenting included. Any domain gets the kernel's ptrace scoping.
    s.scoped = kScopeSignal;
    if (!nested) s.handled_fs = p.path_rights;
    return s;
  }
  // Before ABI 6 a ruleset must handle something: creating block devices, which no rule grants.
  s.handled_fs = LANDLOCK_ACCESS_FS_MAKE_BLOCK;
  if (p.landlock_abi >= 2 && !nested) {
    s.handled_fs |= LANDLOCK_ACCESS_FS_REFER | p.path_rights;
    s.grant_refer_at_root = true;
  }
  return s;
}

int apply_confinement(const ConfinePlan& p, const char** step, const PathRule* rules,
                      std::size_t nrules) {
  if (p.drop_ptrace_cap) {
    if (const int err = drop_cap_sys_ptrace(step)) return err;
  }
  if (p.landlock_abi == 0) return 0;
  const RulesetSpec spec = ruleset_spec(p, false);
  RulesetAttr attr{spec.handled_fs, spec.handled_net, spec.scoped};
  const long fd = syscall(SYS_landlock_create_ruleset, &attr, spec.size, 0);
  if (fd < 0) {
    *step = "landlock_create_ruleset";
    return errno;
  }
  if (spec.grant_refer_at_root) {
    // Re-parenting anywhere below "/" (everything): renames and links across directories.
    const int root = open("/", O_PATH | O_CLOEXEC);
    landlock_path_beneath_attr rule{};
    rule.allowed_access = LANDLOCK_ACCESS_FS_REFER;
    rule.parent_fd = root;
    if (root < 0 ||
        syscall(SYS_landlock_add_rule, fd, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) != 0) {
      *step = root < 0 ? "open(/)" : "landlock_add_rule";
      const int err = errno;
      if (root >= 0) close(root);
      close(static_cast<int>(fd));
      return err;
    }
    close(root);
  }
  for (std::size_t i = 0; i < nrules; ++i) {
    landlock_path_beneath_attr rule{};
    rule.allowed_access = rules[i].rights & spec.handled_fs;
    rule.parent_fd = rules[i].fd;
    if (rule.allowed_access == 0) continue;
    if (syscall(SYS_landlock_add_rule, fd, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) != 0) {
      *step = "landlock_add_rule (path allow-list)";
      const int err = errno;
      close(static_cast<int>(fd));
      return err;
    }
  }
  // landlock_restrict_self needs no_new_privs or CAP_SYS_ADMIN. Setting no_new_privs costs a
  // traced program nothing: set-user-ID and file capabilities are not granted across exec under
  // an unprivileged tracer anyway (and the seccomp pre-filter sets it too).
  if (!has_effective_cap(CAP_SYS_ADMIN) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    *step = "prctl(PR_SET_NO_NEW_PRIVS)";
    const int err = errno;
    close(static_cast<int>(fd));
    return err;
  }
  // ABI 7: a refusal after exec is an audit record (AUDIT_LANDLOCK_ACCESS) where the system's
  // audit is enabled; by default only refusals before the next exec would be.
  const unsigned flags = p.landlock_abi >= 7 && p.path_rights != 0 ? kLogNewExecOn : 0;
  const long rc = syscall(SYS_landlock_restrict_self, fd, flags);
  const int err = errno;
  close(static_cast<int>(fd));
  if (rc != 0) {
    *step = "landlock_restrict_self";
    return err;
  }
  return 0;
}

}  // namespace xpledge
