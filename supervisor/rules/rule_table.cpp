#include "rule_table.hpp"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <cstdio>
#include <stdexcept>

#include "abi_index.hpp"

namespace xpledge {

Rule rule_from_row(const RuleTable& table, const RuleRow& row) {
  Rule r;
  r.ref.list = std::string(row.list);
  r.ref.index = row.index;
  r.ref.pos = SourcePos{std::string(row.file), row.line, row.col};
  r.action = row.action;
  r.syscall = std::string(row.syscall);
  for (std::size_t i = 0; i < kAllAbis.size(); ++i)
    if (row.has_nr & (1u << i)) r.nr[i] = row.nr[i];
  for (const std::string_view p : table.paths.subspan(row.first_path, row.npaths))
    r.paths.emplace_back(p);
  if (row.access >= 0) r.access = static_cast<Access>(row.access);
  for (const ArgCondRow& c : table.conds.subspan(row.first_cond, row.nconds)) {
    const auto values = table.values.subspan(c.first_value, c.nvalues);
    r.args.push_back(ArgCond{c.index, c.op, {values.begin(), values.end()}, c.ignore, c.self});
  }
  if (row.has_err) r.err = row.err;
  r.promise = row.promise;
  r.open_classes = row.open_classes;
  r.open_flags_arg = row.open_flags_arg;
  for (const AddrCondRow& a : table.addrs.subspan(row.first_addr, row.naddrs)) {
    AddrCond c;
    c.kind = a.kind;
    c.range.family = a.family;
    std::copy(std::begin(a.bytes), std::end(a.bytes), c.range.bytes.begin());
    c.range.bits = a.bits;
    if (a.has_port) c.port = a.port;
    r.addrs.push_back(c);
  }
  r.no_control = row.no_control;
  return r;
}

std::vector<Rule> rules_from_table(const RuleTable& table) {
  std::vector<Rule> rules;
  rules.reserve(table.rows.size());
  for (const RuleRow& row : table.rows) rules.push_back(rule_from_row(table, row));
  return rules;
}

// ---- writing the tables -----------------------------------------------------------------------

std::string cxx_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u >= 0x7f) {
      // Octal, always three digits, so that a following digit is not read as part of it.
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

namespace {

std::string num(std::uint64_t v) { return std::to_string(v) + "ULL"; }
std::string snum(std::int64_t v) {
  // INT64_MIN has no literal: write it as an expression.
  return v == INT64_MIN ? "(-9223372036854775807LL - 1)" : std::to_string(v) + "LL";
}

std::string addr_row_text(const AddrCond& c) {
  std::string bytes = "{";
  for (std::size_t i = 0; i < c.range.bytes.size(); ++i)
    bytes += (i ? ", " : "") + std::to_string(c.range.bytes[i]);
  return "{.kind = static_cast<AddrCond::Kind>(" + std::to_string(static_cast<unsigned>(c.kind)) +
         "), .family = " + std::to_string(c.range.family) + ", .bytes = " + bytes +
         "}, .bits = " + std::to_string(c.range.bits) + ", .has_port = " +
         (c.port ? "true" : "false") + ", .port = " + std::to_string(c.port.value_or(0)) + "}";
}

std::string row_text(const Rule& r, std::size_t first_path, std::size_t first_cond,
                     std::size_t first_addr) {
  std::string nr = "{";
  unsigned has_nr = 0;
  for (std::size_t i = 0; i < kAllAbis.size(); ++i) {
    nr += (i ? ", " : "") + snum(r.nr[i].value_or(0));
    if (r.nr[i]) has_nr |= 1u << i;
  }
  nr += "}";
  return "{.list = " + cxx_string(r.ref.list) + ", .index = " + std::to_string(r.ref.index) +
         ", .file = " + cxx_string(r.ref.pos.file) + ", .line = " + std::to_string(r.ref.pos.line) +
         ", .col = " + std::to_string(r.ref.pos.col) + ", .action = static_cast<Action>(" +
         std::to_string(static_cast<unsigned>(r.action)) +
         "), .syscall = " + cxx_string(r.syscall) +
         ", .nr = " + nr + ", .has_nr = " + std::to_string(has_nr) +
         ", .first_path = " + std::to_string(first_path) + ", .npaths = " +
         std::to_string(r.paths.size()) + ", .access = " +
         std::to_string(r.access ? static_cast<int>(*r.access) : -1) +
         ", .first_cond = " + std::to_string(first_cond) + ", .nconds = " +
         std::to_string(r.args.size()) + ", .has_err = " + (r.err ? "true" : "false") +
         ", .err = " + std::to_string(r.err.value_or(0)) + ", .promise = " +
         std::to_string(r.promise) + ", .open_classes = " + std::to_string(r.open_classes) +
         ", .open_flags_arg = " + std::to_string(r.open_flags_arg) +
         ", .first_addr = " + std::to_string(first_addr) + ", .naddrs = " +
         std::to_string(r.addrs.size()) + ", .no_control = " + (r.no_control ? "true" : "false") +
         "}";
}

}  // namespace

std::string emit_strings(std::string_view name, const std::vector<std::string>& values) {
  return emit_span(name, "std::string_view", values,
                   [](const std::string& s) { return cxx_string(s); });
}

std::string emit_rule_table(const std::vector<Rule>& rules, std::string_view name) {
  std::vector<std::string> rows, paths, conds, addrs;
  std::vector<std::uint64_t> values;
  for (const Rule& r : rules) {
    if (!r.bound_paths.empty() || !r.file_ids.empty())
      throw std::runtime_error(r.ref.list + "[" + std::to_string(r.ref.index) +
                               "] is bound to the filesystem");
    rows.push_back(row_text(r, paths.size(), conds.size(), addrs.size()));
    for (const AddrCond& c : r.addrs) addrs.push_back(addr_row_text(c));
    paths.insert(paths.end(), r.paths.begin(), r.paths.end());
    for (const ArgCond& c : r.args) {
      conds.push_back("{.index = " + std::to_string(c.index) + ", .op = static_cast<ArgOp>(" +
                      std::to_string(static_cast<unsigned>(c.op)) + "), .ignore = " +
                      num(c.ignore) + ", .self = " + (c.self ? "true" : "false") +
                      ", .first_value = " + std::to_string(values.size()) +
                      ", .nvalues = " + std::to_string(c.values.size()) + "}");
      values.insert(values.end(), c.values.begin(), c.values.end());
    }
  }
  const std::string n(name);
  const auto same = [](const std::string& s) { return s; };
  return emit_span(n + "Rows", "RuleRow", rows, same) + emit_strings(n + "Paths", paths) +
         emit_span(n + "Conds", "ArgCondRow", conds, same) +
         emit_span(n + "Values", "std::uint64_t", values, num) +
         emit_span(n + "Addrs", "AddrCondRow", addrs, same) + "constexpr RuleTable " + n + "{" + n +
         "Rows, " + n + "Paths, " + n + "Conds, " + n + "Values, " + n + "Addrs};\n";
}

}  // namespace xpledge
