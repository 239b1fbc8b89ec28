#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "builtin_prefilters.hpp"
#include "exec_images.hpp"
#include "landlock_plan.hpp"
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

std::vector<unsigned char> built(const Policy& p, const LandlockPlan* plan = nullptr) {
  std::string error;
  auto bytes = build_prefilter(p, error, nullptr, plan);
  REQUIRE_MESSAGE(error.empty(), error);
  return bytes;
}

std::string example_text(std::string_view source) {
  std::ifstream in(std::filesystem::path(XPLEDGE_SOURCE_DIR) / "policies" /
                   (source == "<default>" ? std::filesystem::path("default.yaml")
                                          : std::filesystem::path("examples") / source));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// `text` with `item` added to its top-level list `list` (a block list, or a new one).
std::string with_item(std::string text, const std::string& list, const std::string& item) {
  const std::string head = "\n" + list + ":\n";
  if (const auto at = text.find(head); at != std::string::npos)
    return text.insert(at + head.size(), "  - " + item + "\n");
  return text + list + ":\n  - " + item + "\n";
}

// `text` with its top-level `key:` line replaced (or added).
std::string with_line(std::string text, const std::string& key, const std::string& line) {
  const auto at = text.find("\n" + key + ":");
  if (at == std::string::npos) return text + line + "\n";
  return text.replace(at + 1, text.find('\n', at + 1) - at - 1, line);
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

// The Landlock plan is part of the key: under a plan that lets opens through unstopped the
// filter has more ALLOW rules than the policy's own, so no built-in filter (each built without
// a plan) may serve it; under a plan that decides no open (the shipped policies' on every
// Landlock ABI: their promises read any path, whatever the filesystem) the key, and the filter,
// are the policy's.
// Whatever the plan, a key that finds a built-in filter finds the bytes libseccomp would build.
TEST_CASE("built-in pre-filters: the Landlock plan is in the key") {
  const Policy list = load_policy_string(
      "version: 1\ndefault: deny\nallow:\n  - { syscall: openat, path: [/srv/**], access: read }\n"
      "  - { syscall: open, path: [/srv/**], access: read }\n  - read\n",
      "r.yaml");
  const PathFacts dir = [](const std::string& path) { return PathFact{true, true, path}; };
  const LandlockPlan opens = plan_landlock(list, 6, dir, true);
  REQUIRE(opens.any_open_decided());
  CHECK(prefilter_key(list, &opens) != prefilter_key(list));
  CHECK(built(list, &opens) != built(list));
  std::size_t plans = 0;
  for (const BuiltinPrefilter& b : builtin_prefilters()) {
    CAPTURE(b.source);
    const Policy p = load_source(b.source);
    for (int abi = 0; abi <= 6; ++abi) {
      CAPTURE(abi);
      const LandlockPlan plan = plan_landlock(p, abi, dir, true, {"/bin/true"});
      const auto hit = builtin_prefilter(prefilter_key(p, &plan));
      if (!plan.any_open_decided()) CHECK(hit.data() == b.bytes.data());
      if (!hit.empty()) CHECK(std::vector<unsigned char>(hit.begin(), hit.end()) == built(p, &plan));
      ++plans;
    }
  }
  CHECK(plans >= 7 * 5);
}

// A built-in filter is used only for a policy (and plan) whose key is its own. Starting from
// each shipped policy, every change below either leaves the key as it is, and then the filter
// libseccomp builds is the same bytes, or changes it, and then no built-in filter is found.
// Among them: an exec path rule, which changes no call's verdict but makes mmap/mprotect with
// PROT_EXEC stop (exec_images.hpp): the first key (v1) missed that.
TEST_CASE("prefilter key: a changed policy finds its own filter or none") {
  const std::vector<std::pair<std::string, std::string>> changes = {
      {"allow", "vhangup"},
      {"allow", "{ syscall: getpid, args: [{ index: 0, op: eq, value: 7 }] }"},
      {"allow", "{ syscall: execve, path: [/usr/bin/**], access: exec }"},
      {"allow", "{ syscall: openat, path: [/srv/**], access: read }"},
      {"deny", "getppid"},
      {"deny", "{ syscall: openat, path: [/etc/shadow] }"},
      {"log", "getuid"},
      {"kill", "vhangup"},
  };
  std::size_t same = 0, missed = 0;
  for (const BuiltinPrefilter& b : builtin_prefilters()) {
    CAPTURE(b.source);
    const std::string text = example_text(b.source);
    std::vector<std::string> mutants;
    for (const auto& [list, item] : changes) mutants.push_back(with_item(text, list, item));
    mutants.push_back(with_line(text, "errno", "errno: EUCLEAN"));  // no filter change
    mutants.push_back(with_line(text, "abis", "abis: [x86_64, i386]"));
    for (const std::string& m : mutants) {
      CAPTURE(m);
      const Policy p = load_policy_string(m, "mutant.yaml");
      const std::string key = prefilter_key(p);
      const auto bytes = built(p);
      if (key == b.key) {
        CHECK(std::vector<unsigned char>(b.bytes.begin(), b.bytes.end()) == bytes);
        ++same;
      } else {
        const auto hit = builtin_prefilter(key);
        CHECK((hit.empty() || std::vector<unsigned char>(hit.begin(), hit.end()) == bytes));
        missed += hit.empty();
      }
    }
    // An exec path rule changes the filter of a policy that had none, and so its key.
    if (!has_exec_path_rules(load_source(b.source))) {
      const Policy exec = load_policy_string(with_item(text, "allow", changes[2].second), "x.yaml");
      CHECK(built(exec) != std::vector<unsigned char>(b.bytes.begin(), b.bytes.end()));
      CHECK(prefilter_key(exec) != b.key);
    }
  }
  CHECK(same >= builtin_prefilters().size());  // the errno change at least
  CHECK(missed >= 5 * builtin_prefilters().size());
}
