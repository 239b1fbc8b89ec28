#pragma once
// What `import oci` knows of moby's seccomp profile format: the names a profile may use (any
// other is a misspelling: the import fails closed), and what each action becomes. Pure.
#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace xpledge::oci {

// moby's runtime.GOARCH for this host, and the spellings profiles use for it.
inline constexpr std::array<std::string_view, 3> kHostArches{"amd64", "x86_64", "x86-64"};
// The names includes/excludes "arches" use (Go's GOARCH values, moby's x86/x32/s390 and the
// kernel's spellings): one outside this list is a misspelling, and a misspelt arch would drop a
// deny entry ("only for amd46") or keep one meant for another arch.
inline constexpr std::string_view kEntryArchNames[] = {
    "amd64", "x86_64", "x86-64", "386", "x86", "i386", "x32", "arm", "arm64", "aarch64",
    "loong64", "loongarch64", "mips", "mipsle", "mips64", "mips64le", "mips64n32",
    "mips64len32", "ppc", "ppc64", "ppc64le", "riscv64", "s390", "s390x", "parisc",
    "parisc64"};

inline constexpr std::string_view kActionNames[] = {
    "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL",
    "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_TRACE", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"};

inline constexpr std::string_view kOpNames[] = {"SCMP_CMP_EQ", "SCMP_CMP_NE", "SCMP_CMP_LT",
                                                "SCMP_CMP_LE", "SCMP_CMP_GT", "SCMP_CMP_GE",
                                                "SCMP_CMP_MASKED_EQ"};

// Linux's capabilities (include/uapi/linux/capability.h, 0..40 as of 6.x), for --caps and the
// profile's includes/excludes: a misspelt capability would silently decide an entry.
inline constexpr std::string_view kCapNames[] = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
    "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
    "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
    "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE"};

// libseccomp's architecture tokens as profiles spell them (runtime-spec config-linux.md,
// moby's archMap), also those newer than libseccomp 2.5 (LOONGARCH64, M68K, SH).
inline constexpr std::string_view kArchNames[] = {
    "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
    "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
    "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
    "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC",
    "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
    "SCMP_ARCH_SH", "SCMP_ARCH_SHEB"};

// The keys each kind of object may have; any other is an error (a misspelt "args" or
// "includes" would otherwise widen the rule).
inline constexpr std::string_view kTopKeys[] = {"defaultAction", "defaultErrnoRet",
                                                "architectures", "archMap",
                                                "syscalls",      "listenerPath",
                                                "listenerMetadata", "flags"};
inline constexpr std::string_view kEntryKeys[] = {"names", "name", "action", "args", "errnoRet",
                                                  "comment", "includes", "excludes"};
inline constexpr std::string_view kArgKeys[] = {"index", "value", "valueTwo", "op"};
inline constexpr std::string_view kFilterKeys[] = {"caps", "arches", "minKernel"};
inline constexpr std::string_view kArchMapKeys[] = {"architecture", "subArchitectures"};

template <typename Range>
bool is_one_of(std::string_view s, const Range& names) {
  return std::find(std::begin(names), std::end(names), s) != std::end(names);
}

enum class OciAction { allow, errno_ret, kill_process, kill_thread, trap, trace, log, notify };

// What an action becomes as the profile's default and in an entry: an xpledge action (empty:
// it cannot be expressed), whether the errno is ENOSYS, and the warning that says what changed
// ("{}" stands for the action as the profile spells it; an entry's is prefixed by its label).
struct ActionMapping {
  std::string_view as_default;
  std::string_view in_entry;
  bool enosys = false;
  std::string_view default_warning;
  std::string_view entry_warning;
};

std::optional<OciAction> action_from(std::string_view name);
const ActionMapping& mapping(OciAction a);
// `text` with "{}" replaced by `action`.
std::string with_action(std::string_view text, std::string_view action);

// "sys_admin" -> "CAP_SYS_ADMIN"
std::string canonical_cap(std::string cap);
// "6.1.0-18-amd64" -> (6, 1); nullopt if it does not start with N.N.
std::optional<std::pair<int, int>> kernel_version(std::string_view s);

}  // namespace xpledge::oci
