#pragma once
// A policy is an immutable value with a pure evaluate(): no I/O, no kernel. The tracer resolves
// what a rule needs (paths) into a CallContext; evaluate() answers with a Verdict naming the rule.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "abi.hpp"
#include "file_identity.hpp"
#include "arg_test.hpp"
#include "sock_addr.hpp"

namespace xpledge {

class PromiseSet;  // promises.hpp (which includes this header)
struct RuleRange;  // rule_eval.hpp (which includes this header)

// Severity order matters: kill > deny > log > allow.
enum class Action : std::uint8_t { allow, log, deny, kill };
std::string_view action_name(Action a);

struct SourcePos {
  std::string file;  // as given on the command line or include:, "<default>" for the embedded one
  int line = 0;      // 1-based; 0 = no position
  int col = 0;
};

// Which rule decided a call.
struct RuleRef {
  std::string list;  // "allow" | "deny" | "kill" | "log" | "default" | "abi" | "promises"
  std::size_t index = 0;  // index in that list (0 for default/abi)
  SourcePos pos;
  // "deny[2]@web.yaml:12:5", "default@web.yaml:3:10", "default@<default>"
  std::string describe() const;
};

struct Verdict {
  Action action = Action::allow;
  int err = 0;                     // errno for a denial (the rule's, else the policy's)
  const RuleRef* rule = nullptr;   // owned by the Policy; never null from evaluate()
};

enum class Access : std::uint8_t { read, write, create, exec };
std::string_view access_name(Access a);
std::optional<Access> access_from_name(std::string_view name);
// Does a rule's `access:` cover a call's access? Equal, and `write` also covers `create`
// (creating or removing a name writes its directory).
bool access_covers(Access rule, Access call);

// A path argument as the kernel would resolve it: `path` is the object the call reaches
// (symlinks and /proc's magic links followed as the call would, path_walk.hpp); `literal` the
// string as given, made absolute and `.`/`..`/`//` normalised lexically. Allow rules hold
// against `path`; deny and kill rules against either, and against the file's identity.
struct PathArg {
  std::string path;
  Access access = Access::read;
  int err = 0;  // non-zero: could not be read (EFAULT) or resolved; rules with path: then deny
  // The bytes read from the tracee, before resolution: what the kernel must see if the call
  // runs (the tracer pins exactly these, see scratch.hpp).
  std::string raw;
  // openat2: the struct open_how bytes its access was derived from, pinned with the path, since
  // another thread could turn O_RDONLY into O_WRONLY after the check. Empty when the size is one
  // the kernel refuses anyway (below OPEN_HOW_SIZE_VER0, above a page) or unreadable (the
  // access is then the widest, create).
  std::string open_how;
  std::string literal;        // empty: same as `path`
  std::optional<FileId> id;   // the object reached, when it exists
  // `path` is a plain absolute path naming the same object for the tracee (path_walk.hpp):
  // the call may be pointed at it instead of `raw`.
  bool plain = false;
  bool follows_last = true;   // the call follows a symlink in the last component
  // The walk found no object where a middle component should be (ENOENT, ENOTDIR, ELOOP): the
  // kernel would fail the call the same way now; an allowed call gets this error rather than
  // run on a path that only later leads somewhere (tracer.cpp pin_paths).
  int walk_err = 0;
  // The call names no path and acts on its dirfd's file (utimensat with a NULL path, which is
  // how futimens(3) is made): judged as that file; nothing in memory to pin.
  bool on_dirfd = false;
  // The program's view (/proc/PID/root, cwd, fds) could not be read: it made itself not
  // dumpable (prctl PR_SET_DUMPABLE, an exec of an unreadable file) and we lack CAP_SYS_PTRACE.
  // `err` is then EACCES: unresolved means refused, or a symlink would lead past deny rules.
  bool no_view = false;
  // The object's paths as seen from a DirAnchor that is no longer where the policy found it
  // (renamed): its old prefix + the object's path below it. Held against deny and kill rules.
  std::vector<std::string> alt_paths;

  // A path judged as it is (an image the kernel already opened, a test's input).
  static PathArg of(std::string path, Access access) {
    PathArg a;
    a.raw = path;
    a.path = std::move(path);
    a.access = access;
    return a;
  }
};

// A directory a deny or kill rule names, bound at load (Policy::Impl::dir_anchors).
struct DirAnchor {
  FileId id;
  std::string prefix;  // its path when the policy was loaded
};

struct CallContext {
  Syscall call;
  std::span<const PathArg> paths;  // filled by the tracer when Policy::needs_paths() says so
  // The caller's thread group id, for promise limits that name `self` (kill(self)); -1 =
  // unknown, and such limits then fail closed.
  std::int64_t tgid = -1;
  // The address a connect, bind, sendto or sendmsg names, read by the tracer when needs_paths()
  // says so (a rule has `addr:`); null: not read, and rules with addr conditions do not permit.
  const AddrArg* addr = nullptr;
};

struct Rule;

class Policy {
 public:
  struct Impl;
  explicit Policy(std::shared_ptr<const Impl> impl);

  Verdict evaluate(const CallContext& ctx) const;
  // Does some rule for (abi, nr) look at memory the call points to (paths, a socket address)?
  // Then the tracer must read (and resolve) it first, and pin what it judged.
  bool needs_paths(Abi abi, std::int64_t nr) const;
  // A rename or link (either way for RENAME_EXCHANGE) of a name inside, or above, the tree of a
  // deny or kill path rule to a place outside it: that rule, or nullptr. Refused whatever the
  // rules of the call itself say, or the tree would escape its rule under a new name.
  const Rule* moves_out_of_denied_tree(const CallContext& ctx) const;
  // Is (abi, nr) allowed whatever its arguments, with nothing to log? Then it need not stop at
  // all (seccomp pre-filter RET_ALLOW).
  bool allows_unconditionally(Abi abi, std::int64_t nr) const;
  // For a call that is not: register-only conditions (BPF-shaped, see arg_grants.hpp) under
  // which evaluate() allows it silently. Sound, not complete; empty for other ABIs.
  ArgAlternatives register_grants(Abi abi, std::int64_t nr) const;
  bool abi_allowed(Abi abi) const;
  int default_errno() const;
  const std::string& source() const;  // file the policy was loaded from

  // The policy's `promises:` (nullopt when absent) and what a pledge violation does.
  std::optional<PromiseSet> promises() const;
  Action pledge_violation() const;

  const Impl& impl() const { return *impl_; }

 private:
  std::shared_ptr<const Impl> impl_;
};

// What `xpledge check` prints: per ABI, what the policy allows, denies, kills and logs. Pure;
// declared here with the value it reads so that rules/ does not depend on the loader (lang/).
std::string describe_policy(const Policy& policy);

// ---- The policy value (built by the loader, read by evaluate and describe_policy) ----------

enum class ArgOp : std::uint8_t { eq, ne, lt, le, gt, ge, mask_all, mask_any, mask_none, in };
std::string_view arg_op_name(ArgOp op);

// One argument condition: `args[index] op value` (unsigned 64-bit compare; `in`: any of values;
// mask_*: (arg & value) == value / != 0 / == 0).
struct ArgCond {
  std::uint8_t index = 0;
  ArgOp op = ArgOp::eq;
  std::vector<std::uint64_t> values;  // one, or several for `in`
  // Promise limits only (the policy language has neither): `in` compares the argument without
  // these bits, and `self` also accepts the caller's process id (CallContext::tgid).
  std::uint64_t ignore = 0;
  bool self = false;
};

// One entry of allow/deny/kill/log. No conditions = matches every call of that syscall.
struct Rule {
  RuleRef ref;
  Action action = Action::allow;
  std::string syscall;
  std::array<std::optional<std::int64_t>, kAllAbis.size()> nr;  // per ABI; nullopt: not there
  std::vector<std::string> paths;      // globs; a path arg must match one of them
  std::optional<Access> access;        // a path arg's access must be covered by it
  std::vector<ArgCond> args;           // all must hold
  std::optional<int> err;              // own errno for deny rules
  // Bound to the filesystem when the policy is loaded (rule_binding.cpp), as Landlock binds a
  // rule to the inode its path names then:
  std::vector<std::string> bound_paths;  // `paths` whose literal prefix is behind a symlink
                                         // (/lib/** on merged /usr: /usr/lib/**)
  std::vector<FileId> file_ids;          // deny/kill: the files named without globs (any
                                         // other name of them, a hard link, matches too)
  // A promise's entry compiled into a rule (promises.hpp): which promise, and its `open:`
  // limit, one bit (1 << Access) per open class allowed, read from the flags in argument
  // open_flags_arg (0: no such limit).
  std::size_t promise = 0;
  std::uint8_t open_classes = 0;
  std::int8_t open_flags_arg = -1;
  // The call's socket address must satisfy one of these (sock_addr.hpp); with no_control, a
  // sendmsg must carry no control message (SCM_RIGHTS: sendfd). Promise entries only.
  std::vector<AddrCond> addrs;
  bool no_control = false;

  bool has_path_conditions() const { return !paths.empty() || access.has_value(); }
  bool has_addr_conditions() const { return !addrs.empty() || no_control; }
  // Conditions only the tracer can check, reading the call's memory.
  bool reads_memory() const { return has_path_conditions() || has_addr_conditions(); }
  bool conditional() const { return reads_memory() || !args.empty() || open_classes; }
};

struct Policy::Impl {
  std::string source;
  Action default_action = Action::deny;
  int err = 0;                                   // the policy's errno (EPERM unless given)
  std::array<bool, kAllAbis.size()> abis{};      // allowed ABIs
  RuleRef default_ref{"default", 0, {}};
  RuleRef abi_ref{"abi", 0, {}};
  RuleRef promises_ref{"promises", 0, {}};
  // A number this build does not name (syscalls.hpp) is refused with ENOSYS, as by a kernel
  // that lacks it, unless the policy says `unknown: allow`.
  bool allow_unknown = false;
  RuleRef unknown_ref{"unknown", 0, {}};
  std::shared_ptr<const PromiseSet> promises;    // null: no `promises:` key
  Action pledge_violation = Action::deny;
  // Evaluation order: kill list, deny, log, allow; each in file order (includes expanded).
  std::vector<Rule> rules;
  // Per ABI: syscall number -> indices into `rules`, ascending. Filled by index_rules(); a rule
  // with path conditions (and no args) is indexed under every call of its path_family() too.
  std::array<std::unordered_map<std::int64_t, std::vector<std::size_t>>, kAllAbis.size()> by_nr;

  // The directories that deny and kill path rules name before their first wildcard
  // (/srv/secret of /srv/secret/**), bound at load: if one is renamed, the objects beneath it are
  // still judged under its old name (PathArg::alt_paths).
  std::vector<DirAnchor> dir_anchors;
  bool move_guard = false;  // some deny or kill rule has paths: renames and links are checked
  // The nameservers `addr: [nameservers...]` means, bound at start-up from /etc/resolv.conf
  // (rule_binding.cpp); empty when unbound (tests, the generators): no address is one then.
  std::vector<AddrRange> nameservers;

  void index_rules();
  RuleRange rules_for(Abi abi, std::int64_t nr) const;  // by_nr's, for rule_eval.hpp
};

}  // namespace xpledge
