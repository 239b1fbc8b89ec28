#pragma once
// The promise catalogue as constant tables (rule_table.hpp), written at build time from
// policies/promises.yaml by gen_promise_table and compiled into the binary: builtin() builds the
// catalogue from them without parsing YAML. test_builtin_tables checks it equals from_yaml's.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "promise_impl.hpp"
#include "rule_table.hpp"

namespace xpledge {

struct AliasRow {
  std::uint8_t abi = 0;  // abi_index
  std::string_view name;
  std::string_view target;  // "" = never granted on that ABI
};

struct PromiseTable {
  std::span<const std::string_view> names;
  std::span<const std::string_view> helps;
  std::span<const bool> narrow;
  RuleTable rules;                            // every promise's entries, in catalogue order
  std::span<const std::string_view> limits;   // per rule: PromiseRule::limits
  std::span<const std::string_view> always;
  std::span<const std::string_view> enosys;
  std::span<const AliasRow> aliases;
};

// The generated table (promise_table_data.cpp in the build tree).
const PromiseTable& builtin_promise_table();

std::shared_ptr<PromiseCatalogue::Impl> catalogue_from_table(const PromiseTable& table);
// The C++ source of a `builtin_promise_table()` holding `impl` (the generator).
std::string emit_promise_table(const PromiseCatalogue::Impl& impl);

}  // namespace xpledge
