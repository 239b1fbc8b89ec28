#include <doctest/doctest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "builtin_prefilters.hpp"
#include "policy_load.hpp"
#include "prefilter.hpp"
#include "prefilter_key.hpp"

using namespace xpledge;

namespace {

Policy load_source(std::string_view source) {
  if (source == "<default>") return load_default_policy();
  return load_policy_file((std::filesystem::path(XPLEDGE_SOURCE_DIR) / "policies" / "examples" /
                           std::string(source)).string());
}

std::vector<unsigned char> built(const Policy& p) {
  std::string error;
  auto bytes = build_prefilter(p, error);
  REQUIRE_MESSAGE(error.empty(), error);
  return bytes;
}

}  // namespace

// `xpledge run` loads these bytes instead of building the filter: each must be exactly what
// libseccomp (as linked now) makes of its policy, whose soundness test_bpf_soundness checks
// against the evaluator; and the loaded policy's key must find it.
TEST_CASE("built-in pre-filters: each is its policy's, byte for byte, and found by its key") {
  const auto table = builtin_prefilters();
  REQUIRE(table.size() >= 2);  // the default policy and at least one example
  CHECK(table[0].source == "<default>");
  std::set<std::string_view> keys;
  for (const BuiltinPrefilter& b : table) {
    CAPTURE(b.source);
    const Policy p = load_source(b.source);
    const std::string key = prefilter_key(p);
    CHECK(b.key == key);
    CHECK(b.key_hash == key_hash(key));
    CHECK(std::vector<unsigned char>(b.bytes.begin(), b.bytes.end()) == built(p));
    CHECK(builtin_prefilter(key).data() == b.bytes.data());
    keys.insert(b.key);
  }
  CHECK(keys.size() == table.size());  // every shipped policy filters differently
}

// The key holds everything build_prefilter reads from a policy: policies that differ only in an
// argument test, in one allowed call, or in an ABI get different keys (so none of them borrows
// another's filter), and none of these finds a built-in filter.
TEST_CASE("prefilter key: tells apart what changes the filter") {
  const auto key = [](const char* text) { return prefilter_key(load_policy_string(text, "t.yaml")); };
  const std::string base = key("version: 1\ndefault: deny\nallow: [read, write]\n");
  const std::string more = key("version: 1\ndefault: deny\nallow: [read, write, getpid]\n");
  const std::string args = key(
      "version: 1\ndefault: deny\nallow: [read, write, "
      "{ syscall: getpid, args: [{ index: 0, op: eq, value: 0 }] }]\n");
  const std::string args2 = key(
      "version: 1\ndefault: deny\nallow: [read, write, "
      "{ syscall: getpid, args: [{ index: 0, op: eq, value: 1 }] }]\n");
  const std::string abi = key("version: 1\ndefault: deny\nabis: [x86_64, i386]\nallow: [read, write]\n");
  CHECK(base != more);
  CHECK(base != args);
  CHECK(args != args2);
  CHECK(more != args);
  CHECK(base != abi);
  for (const auto& k : {base, more, args, args2, abi}) CHECK(builtin_prefilter(k).empty());
  // The same policy written differently is the same filter.
  CHECK(base == key("version: 1\ndefault: deny\nallow:\n  - write\n  - read\n"));
}
