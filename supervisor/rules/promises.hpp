#pragma once
// OpenBSD pledge(2) promises as data (policies/promises.yaml, compiled into tables at build
// time) and a pure check of a call against a promise set. No I/O.
#include <bitset>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "policy.hpp"

namespace xpledge {

inline constexpr std::size_t kMaxPromises = 64;

class PromiseSet {
 public:
  static PromiseSet all() { PromiseSet s; s.bits_.set(); return s; }
  bool has(std::size_t id) const { return bits_.test(id); }
  void add(std::size_t id) { bits_.set(id); }
  bool subset_of(const PromiseSet& o) const { return (bits_ & ~o.bits_).none(); }
  PromiseSet operator&(const PromiseSet& o) const { PromiseSet s; s.bits_ = bits_ & o.bits_; return s; }
  bool operator==(const PromiseSet&) const = default;

 private:
  std::bitset<kMaxPromises> bits_;
};

struct PromiseCheck {
  bool allowed = false;
  std::string needed;  // a promise that would allow the call ("rpath"), empty if none would
  // Non-zero (ENOSYS) for calls the catalogue lists under `enosys:` (clone3, openat2): not a
  // violation; fail the call with this errno whatever the violation mode, so libc falls back
  // to a call whose arguments can be checked (glibc retries clone3 as clone only on ENOSYS).
  int fixed_errno = 0;
};

// One entry of a promise as the catalogue writes it (hygiene tests, describe()).
struct PromiseRule {
  std::string syscall;  // x86-64 name
  std::string limits;   // "" = whatever the arguments; else e.g. "arg1 in {F_GETFD, F_SETFD}"
};

class PromiseCatalogue {
 public:
  static const PromiseCatalogue& builtin();  // promises.yaml, as tables (promise_table.hpp)
  // Loads a catalogue in promises.yaml's schema; throws std::runtime_error naming the line and
  // what was expected. The table generator uses it on promises.yaml, tests on broken tables.
  static PromiseCatalogue from_yaml(std::string_view yaml);

  std::size_t size() const;
  std::optional<std::size_t> find(std::string_view name) const;
  const std::string& name(std::size_t id) const;
  const std::string& help(std::size_t id) const;

  // Space/tab separated OpenBSD names. nullopt and *bad = the first unknown name on error.
  std::optional<PromiseSet> parse(std::string_view promises, std::string* bad) const;
  std::string format(const PromiseSet& set) const;  // "stdio rpath"

  // Pure: does `set` allow this call (argument limits included)? Calls of other ABIs are
  // governed by name (i386 `open` like x86-64 `open`, `fcntl64` like `fcntl`). Without the
  // caller's process id, limits naming `self` (kill(self), tgkill) fail closed.
  PromiseCheck check(const PromiseSet& set, const CallContext& ctx) const;
  PromiseCheck check(const PromiseSet& set, const CallContext& ctx,
                     std::int64_t caller_tgid) const;
  // Calls allowed by the set whatever their arguments (for the seccomp pre-filter).
  bool allows_unconditionally(const PromiseSet& set, Abi abi, std::int64_t nr) const;
  // The alternatives under which the set allows (abi, nr) by register arguments alone (for the
  // stacked pledge filter): each alternative holds when all its tests do, and an empty list
  // means none. Entries that limit paths or open classes, or accept the caller's own pid, are
  // left out, so those calls keep stopping; calls allowed whatever their arguments are
  // allows_unconditionally's, not listed here.
  ArgAlternatives register_grants(const PromiseSet& set, Abi abi,
                                                    std::int64_t nr) const;
  // The same for a filter the program installs on itself with no supervisor behind it
  // (libxpledge standalone, through the table tools/gen_shim_promises writes): open classes
  // become flag tests (read, write, create as open_access reads them) and `in: [self]` a test
  // with value_is_self. Entries that limit paths are left out: the kernel filter sees no paths.
  // Unlike register_grants, one alternative may test an argument more than once.
  ArgAlternatives kernel_grants(const PromiseSet& set, Abi abi, std::int64_t nr) const;
  // Does an entry of the set for (abi, nr) limit paths? Then the tracer resolves
  // CallContext::paths before check(); without them such entries do not apply.
  bool needs_paths(const PromiseSet& set, Abi abi, std::int64_t nr) const;
  // What the set grants (abi, nr) under, as data (the Landlock plan, landlock_plan.hpp): one
  // entry per grant of a promise in the set; `always` for the calls every set allows.
  struct PathGrant {
    std::uint8_t open_classes = 0;   // bit (1 << Access) per open class allowed; 0 = any
    std::vector<std::string> paths;  // "DIR/**" or a literal path; empty = any path
    bool has_conds = false;          // register conditions besides the open class
  };
  struct CallGrants {
    bool always = false;
    std::vector<PathGrant> grants;
  };
  CallGrants call_grants(const PromiseSet& set, Abi abi, std::int64_t nr) const;
  // Human description for `xpledge promises`.
  std::string describe(std::optional<std::size_t> only = std::nullopt) const;

  // The table as written, for hygiene tests.
  const std::vector<PromiseRule>& rules(std::size_t id) const;
  const std::vector<std::string>& always_allowed() const;  // exit, exit_group, ...
  const std::vector<std::string>& enosys_calls() const;    // clone3, openat2
  // (name on `abi`, x86-64 name governing it; "" = never granted), as listed under aliases:.
  const std::vector<std::pair<std::string, std::string>>& aliases(Abi abi) const;

  struct Impl;

 private:
  explicit PromiseCatalogue(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace xpledge
