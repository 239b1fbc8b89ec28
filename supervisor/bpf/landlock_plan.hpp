#pragma once
// Which path rules of a policy the kernel can enforce with Landlock, and how (issue 17, item 4).
// Pure: the filesystem facts it needs (does a rule's directory exist, where do its symlinks
// lead) come from the caller; tested without a kernel.
//
// Three groups of Landlock filesystem rights, each handled only when the policy restricts every
// route to it to allow-listed trees, so that Landlock refuses nothing the policy allows (on the
// object the call reaches: a symlink, `..` after one, a magic link in /proc or a hard link the
// program makes cannot lead out of a tree):
//   read   READ_FILE READ_DIR  opens for reading (also what an open for writing, an O_CREAT open
//                              and an exec read: the kernel opens a file it runs for reading)
//   write  WRITE_FILE TRUNCATE opens for writing, truncate
//   create MAKE_* REMOVE_*     O_CREAT opens, mkdir, mknod, symlink, link, rename, unlink, rmdir
// A tree gets the rights its `access` needs for every call of that class: `read` READ_FILE and
// READ_DIR; `write` (which covers create) and `create` READ_FILE WRITE_FILE TRUNCATE and the
// create group (O_CREAT|O_RDWR on an existing file reads it); `exec` READ_FILE.
// Not handled, ever: EXECUTE (a loader or a `#!` interpreter, which an exec allow-list need not
// name, is opened with it), IOCTL_DEV (no policy restricts ioctl by path), MAKE_SOCK (bind() of a
// unix socket is not judged by path). REFER is handled with one rule granting it on "/", as
// before (issue 16), so renames and links across directories work; Landlock still refuses one
// that would give a file rights it did not have where it was (EXDEV).
//
// Level (a), the wall: the supervisor still stops and judges every call; Landlock refuses what
// reaches outside the trees. Level (b): open and openat on x86-64 without O_PATH, O_CREAT and
// O_TMPFILE (and without write access or O_TRUNC unless the write group is exact too) are
// decided by Landlock alone, with no stop, when the policy's verdict for them is exactly
// Landlock's (modulo errno: EACCES, not the policy's): an allow-list of exact trees (`D/**`, a
// literal file), nothing else allowing them, no deny/kill/log rule and no argument condition on
// them, default deny, and every tree Landlock grants read (write) on is one the policy lets them
// read (write). A file such a rule names that is missing at start is no obstacle: it then gets
// no rule, so an open of it fails with ENOENT as under the policy (one made later is refused
// with EACCES, like a tree made later).
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "arg_test.hpp"
#include "policy.hpp"

namespace xpledge {

// Landlock's filesystem rights (include/uapi/linux/landlock.h; older headers lack the later
// ones, so all are spelt out).
namespace landlock_fs {
// Bit n is right n of Landlock's list, in the kernel's order.
inline constexpr std::uint64_t kExecute = 1ULL << 0, kWriteFile = 1ULL << 1,
                               kReadFile = 1ULL << 2, kReadDir = 1ULL << 3,
                               kRemoveDir = 1ULL << 4, kRemoveFile = 1ULL << 5,
                               kMakeChar = 1ULL << 6, kMakeDir = 1ULL << 7, kMakeReg = 1ULL << 8,
                               kMakeSock = 1ULL << 9, kMakeFifo = 1ULL << 10,
                               kMakeBlock = 1ULL << 11, kMakeSym = 1ULL << 12,
                               kRefer = 1ULL << 13,      // ABI 2
                               kTruncate = 1ULL << 14,   // ABI 3
                               kIoctlDev = 1ULL << 15;   // ABI 5
// What a path_beneath rule on something other than a directory may grant.
inline constexpr std::uint64_t kFileRights = kExecute | kWriteFile | kReadFile | kTruncate | kIoctlDev;
}  // namespace landlock_fs

// "READ_FILE|READ_DIR"
std::string landlock_rights_names(std::uint64_t rights);

enum class FsGroup : std::uint8_t { read, write, create };
inline constexpr std::array<FsGroup, 3> kFsGroups{FsGroup::read, FsGroup::write, FsGroup::create};
std::string_view fs_group_name(FsGroup g);
std::uint64_t fs_group_rights(FsGroup g, int abi);

// What the filesystem says about a rule's directory or file, read in the supervisor before fork.
struct PathFact {
  bool exists = false;
  bool is_dir = false;
  std::string real;  // after every symlink (realpath); set when exists
};
using PathFacts = std::function<PathFact(const std::string&)>;

// One landlock_add_rule(LANDLOCK_RULE_PATH_BENEATH): `path` is opened with O_PATH (following
// symlinks: the rule is on the object) before fork.
struct FsRule {
  std::string path;
  std::uint64_t rights = 0;
  std::vector<const RuleRef*> from;  // the policy rules (or promises) that asked for it
  bool operator==(const FsRule& o) const { return path == o.path && rights == o.rights; }
};

struct LandlockPlan {
  int abi = 0;
  std::uint64_t handled_fs = 0;  // 0: no path rule goes to the kernel
  std::vector<FsRule> rules;     // sorted by path; REFER on "/" first when handled_fs != 0
  // Per group (kFsGroups order): handled, or why it stays with the supervisor.
  std::array<bool, 3> handled{};
  std::array<std::string, 3> why_not;
  // Level (b), per call (open, openat on x86-64): with none of open_stop_flags in its flags it
  // runs without a stop, or why_not says why it keeps stopping.
  struct OpenCall {
    std::string_view name;
    bool decided = false;
    std::string why_not;
  };
  std::array<OpenCall, 2> opens{{{"open", false, {}}, {"openat", false, {}}}};
  std::uint64_t open_stop_flags = 0;
  bool any_open_decided() const { return opens[0].decided || opens[1].decided; }
  // A literal file that a read or exec rule names and that is missing at start got no rule
  // (not its nearest existing directory): taken only when it lets opens be decided.
  bool missing_read_ungranted = false;
  // Kept in the supervisor although they name paths: deny/kill/log path rules and path rules on
  // calls Landlock does not see (stat, readlink...), for `xpledge check`.
  std::vector<const RuleRef*> supervisor_rules;
};

// The plan points into the policy (RuleRef): it must outlive the plan.
// `abi`: the running kernel's Landlock ABI (0: none). `enabled`: false for --landlock=off and
// --permissive (nothing refused by the kernel that the supervisor would not log).
// `first_exec`: the files the kernel reads to run the command xpledge itself executes (the
// program, its ELF interpreter or `#!` interpreter), which no rule of the policy judges: they
// get READ_FILE so that the sandbox can start.
LandlockPlan plan_landlock(const Policy& policy, int abi, const PathFacts& facts,
                           bool enabled = true, const std::vector<std::string>& first_exec = {});

// The pre-filter's extra alternatives for (abi, nr): the level-(b) opens. Empty otherwise.
ArgAlternatives landlock_register_grants(const LandlockPlan& plan, Abi abi, std::int64_t nr);

// The `xpledge check` section: which rules went to the kernel and which stay.
std::string describe_landlock_plan(const LandlockPlan& plan);

// One line at start-up when the plan handles something: what a kernel refusal looks like and
// that it is not in xpledge's log.
std::string landlock_plan_notice(const LandlockPlan& plan);

}  // namespace xpledge
