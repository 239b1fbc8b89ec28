// The built-in data compiled into tables at build time (rules/promise_table.hpp,
// rules/policy_table.hpp) must be exactly what the YAML loaders make of policies/promises.yaml
// and policies/default.yaml as they are now: every rule of every promise, every rule of the
// default policy, field by field, and the same `xpledge promises` / `xpledge check` text.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "abi_index.hpp"
#include "policy_load.hpp"
#include "policy_table.hpp"
#include "prefilter_key.hpp"
#include "promise_table.hpp"
#include "promises.hpp"

using namespace xpledge;

namespace xpledge {
// tests/CMakeLists.txt generates it from tests/fixtures/table_roundtrip.yaml.
const PolicyTable& test_policy_table();
}  // namespace xpledge

namespace {

std::string source_file(const char* rel) {
  std::ifstream in(std::filesystem::path(XPLEDGE_SOURCE_DIR) / rel);
  REQUIRE_MESSAGE(in, rel);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void check_same_rule(const Rule& a, const Rule& b) {
  CAPTURE(a.ref.describe());
  CAPTURE(a.syscall);
  CHECK(a.ref.list == b.ref.list);
  CHECK(a.ref.index == b.ref.index);
  CHECK(a.ref.pos.file == b.ref.pos.file);
  CHECK(a.ref.pos.line == b.ref.pos.line);
  CHECK(a.ref.pos.col == b.ref.pos.col);
  CHECK(a.action == b.action);
  CHECK(a.syscall == b.syscall);
  CHECK(a.nr == b.nr);
  CHECK(a.paths == b.paths);
  CHECK(a.access == b.access);
  REQUIRE(a.args.size() == b.args.size());
  for (std::size_t i = 0; i < a.args.size(); ++i) {
    CHECK(a.args[i].index == b.args[i].index);
    CHECK(a.args[i].op == b.args[i].op);
    CHECK(a.args[i].values == b.args[i].values);
    CHECK(a.args[i].ignore == b.args[i].ignore);
    CHECK(a.args[i].self == b.args[i].self);
  }
  CHECK(a.err == b.err);
  CHECK(a.bound_paths == b.bound_paths);
  CHECK(a.file_ids == b.file_ids);
  CHECK(a.promise == b.promise);
  CHECK(a.open_classes == b.open_classes);
  CHECK(a.open_flags_arg == b.open_flags_arg);
  CHECK(a.addrs == b.addrs);
  CHECK(a.no_control == b.no_control);
}

void check_same_ref(const RuleRef& a, const RuleRef& b) { CHECK(a.describe() == b.describe()); }

}  // namespace

TEST_CASE("built-in promise table: every promise and rule as promises.yaml says") {
  const auto yaml = load_promise_catalogue(source_file("policies/promises.yaml"));
  const auto table = catalogue_from_table(builtin_promise_table());
  CHECK(table->names == yaml->names);
  CHECK(table->helps == yaml->helps);
  CHECK(table->narrow == yaml->narrow);
  REQUIRE(table->written.size() == yaml->written.size());
  for (std::size_t p = 0; p < yaml->written.size(); ++p) {
    REQUIRE(table->written[p].size() == yaml->written[p].size());
    for (std::size_t i = 0; i < yaml->written[p].size(); ++i) {
      CHECK(table->written[p][i].syscall == yaml->written[p][i].syscall);
      CHECK(table->written[p][i].limits == yaml->written[p][i].limits);
    }
  }
  REQUIRE(table->rules.size() == yaml->rules.size());
  for (std::size_t i = 0; i < yaml->rules.size(); ++i)
    check_same_rule(table->rules[i], yaml->rules[i]);
  CHECK(table->always == yaml->always);
  CHECK(table->enosys == yaml->enosys);
  CHECK(table->aliases == yaml->aliases);
  for (Abi abi : kAllAbis) {
    const auto& t = table->by_nr[abi_index(abi)];
    const auto& y = yaml->by_nr[abi_index(abi)];
    REQUIRE(t.size() == y.size());
    for (const auto& [nr, cr] : y) {
      CAPTURE(nr);
      REQUIRE(t.count(nr) == 1);
      CHECK(t.at(nr).always == cr.always);
      CHECK(t.at(nr).enosys == cr.enosys);
      CHECK(t.at(nr).rules == cr.rules);
    }
  }
  // What `xpledge promises` prints, byte for byte.
  const std::string described = PromiseCatalogue::builtin().describe();
  CHECK(described == PromiseCatalogue::from_yaml(source_file("policies/promises.yaml")).describe());
  CHECK(described.size() > 1000);
}

TEST_CASE("built-in default policy: the table is what the loader makes of default.yaml") {
  const Policy yaml = load_policy_string(source_file("policies/default.yaml"), "<default>");
  const Policy table = load_default_policy();
  const Policy::Impl& y = yaml.impl();
  const Policy::Impl& t = table.impl();
  CHECK(t.source == y.source);
  CHECK(t.default_action == y.default_action);
  CHECK(t.err == y.err);
  CHECK(t.abis == y.abis);
  check_same_ref(t.default_ref, y.default_ref);
  check_same_ref(t.abi_ref, y.abi_ref);
  check_same_ref(t.promises_ref, y.promises_ref);
  check_same_ref(t.unknown_ref, y.unknown_ref);
  CHECK(t.allow_unknown == y.allow_unknown);
  REQUIRE(bool(t.promises) == bool(y.promises));
  if (y.promises) CHECK(*t.promises == *y.promises);
  CHECK(t.pledge_violation == y.pledge_violation);
  REQUIRE(t.rules.size() == y.rules.size());
  CHECK(y.rules.size() > 50);
  for (std::size_t i = 0; i < y.rules.size(); ++i) check_same_rule(t.rules[i], y.rules[i]);
  CHECK(t.by_nr == y.by_nr);
  CHECK(t.move_guard == y.move_guard);
  CHECK(t.dir_anchors.empty());
  // What `xpledge check` prints, and what the pre-filter is built from.
  CHECK(describe_policy(table) == describe_policy(yaml));
  CHECK(prefilter_key(table) == prefilter_key(yaml));
}

// The same path for what the default does not use (tests/fixtures/table_roundtrip.yaml, written
// by the same generator at build time into test_policy_table()).

TEST_CASE("policy table: a policy with every feature survives the generator") {
  const Policy yaml = load_policy_string(source_file("tests/fixtures/table_roundtrip.yaml"),
                                         "table_roundtrip.yaml");
  const Policy table = policy_from_table(test_policy_table());
  const Policy::Impl& y = yaml.impl();
  const Policy::Impl& t = table.impl();
  CHECK(t.err == y.err);
  CHECK(t.abis == y.abis);
  CHECK(t.allow_unknown);
  REQUIRE(t.promises);
  CHECK(*t.promises == *y.promises);
  CHECK(t.pledge_violation == Action::kill);
  REQUIRE(t.rules.size() == y.rules.size());
  for (std::size_t i = 0; i < y.rules.size(); ++i) check_same_rule(t.rules[i], y.rules[i]);
  CHECK(t.by_nr == y.by_nr);
  CHECK(t.move_guard);
  CHECK(describe_policy(table) == describe_policy(yaml));
  CHECK(prefilter_key(table) == prefilter_key(yaml));
}
