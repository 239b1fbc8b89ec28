#pragma once
// Rules as constant tables compiled into the binary, so that the built-in data (the promise
// catalogue, the default policy) is not parsed from YAML at every start-up. A generator run at
// build time loads the YAML with the one loader and writes these tables (emit_*); the binary
// turns them back into the same values (rule_from_row). tests/unit/test_builtin_tables.cpp
// checks that the round trip changes nothing. Pure.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "policy.hpp"
#include "sock_addr.hpp"

namespace xpledge {

struct ArgCondRow {
  std::uint8_t index = 0;
  ArgOp op = ArgOp::eq;
  std::uint64_t ignore = 0;
  bool self = false;
  std::uint32_t first_value = 0;  // into RuleTable::values
  std::uint32_t nvalues = 0;
};

// An `addr:` condition (sock_addr.hpp AddrCond), field by field.
struct AddrCondRow {
  AddrCond::Kind kind = AddrCond::Kind::range;
  int family = 0;
  std::uint8_t bytes[16] = {};
  unsigned bits = 0;
  bool has_port = false;
  std::uint16_t port = 0;
};

struct RuleRow {
  std::string_view list;  // RuleRef
  std::uint32_t index = 0;
  std::string_view file;
  int line = 0;
  int col = 0;
  Action action = Action::allow;
  std::string_view syscall;
  std::int64_t nr[kAllAbis.size()] = {};
  std::uint8_t has_nr = 0;        // bit per ABI: nr[i] is set
  std::uint32_t first_path = 0;   // into RuleTable::paths
  std::uint32_t npaths = 0;
  std::int8_t access = -1;        // an Access, or -1: none
  std::uint32_t first_cond = 0;   // into RuleTable::conds
  std::uint32_t nconds = 0;
  bool has_err = false;
  int err = 0;
  std::uint32_t promise = 0;
  std::uint8_t open_classes = 0;
  std::int8_t open_flags_arg = -1;
  std::uint32_t first_addr = 0;  // into RuleTable::addrs
  std::uint32_t naddrs = 0;
  bool no_control = false;
};

struct RuleTable {
  std::span<const RuleRow> rows;
  std::span<const std::string_view> paths;
  std::span<const ArgCondRow> conds;
  std::span<const std::uint64_t> values;
  std::span<const AddrCondRow> addrs;
};

// One row back into the Rule it was written from (bound_paths and file_ids stay empty: binding
// to the filesystem happens after loading, os/rule_binding).
Rule rule_from_row(const RuleTable& table, const RuleRow& row);
std::vector<Rule> rules_from_table(const RuleTable& table);

// ---- writing the tables (the generators) ---------------------------------------------------

// A C++ string literal holding `s` exactly.
std::string cxx_string(std::string_view s);
// A `constexpr RuleTable NAME` over arrays of its own. Throws std::runtime_error for a rule it
// cannot represent (one already bound to the filesystem).
std::string emit_rule_table(const std::vector<Rule>& rules, std::string_view name);
// A `constexpr std::span<const T> NAME` over an array holding `values` (C++ has no empty
// arrays: an empty span then). `element` is T's name, `write` prints one element.
template <typename T, typename Write>
std::string emit_span(std::string_view name, std::string_view element, const std::vector<T>& values,
                      Write write) {
  std::string out;
  if (values.empty())
    return "constexpr std::span<const " + std::string(element) + "> " + std::string(name) + "{};\n";
  out += "constexpr " + std::string(element) + " " + std::string(name) + "Data[] = {\n";
  for (const T& v : values) out += "    " + write(v) + ",\n";
  out += "};\nconstexpr std::span<const " + std::string(element) + "> " + std::string(name) + "{" +
         std::string(name) + "Data};\n";
  return out;
}
std::string emit_strings(std::string_view name, const std::vector<std::string>& values);

}  // namespace xpledge
