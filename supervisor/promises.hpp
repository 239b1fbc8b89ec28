#pragma once
// OpenBSD pledge(2) promises as data (policies/promises.yaml, embedded) and a pure check of a
// call against a promise set. No I/O.
#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
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
  bool operator==(const PromiseSet&) const = default;

 private:
  std::bitset<kMaxPromises> bits_;
};

struct PromiseCheck {
  bool allowed = false;
  std::string needed;  // a promise that would allow the call ("rpath"), empty if none would
};

class PromiseCatalogue {
 public:
  static const PromiseCatalogue& builtin();  // from the embedded promises.yaml

  std::size_t size() const;
  std::optional<std::size_t> find(std::string_view name) const;
  const std::string& name(std::size_t id) const;
  const std::string& help(std::size_t id) const;

  // Space/tab separated OpenBSD names. nullopt and *bad = the first unknown name on error.
  std::optional<PromiseSet> parse(std::string_view promises, std::string* bad) const;
  std::string format(const PromiseSet& set) const;  // "stdio rpath"

  // Pure: does `set` allow this call (argument limits included)?
  PromiseCheck check(const PromiseSet& set, const CallContext& ctx) const;
  // Calls allowed by the set whatever their arguments (for the seccomp pre-filter).
  bool allows_unconditionally(const PromiseSet& set, Abi abi, std::int64_t nr) const;
  // Human description for `xpledge promises`.
  std::string describe(std::optional<std::size_t> only = std::nullopt) const;
};

}  // namespace xpledge
