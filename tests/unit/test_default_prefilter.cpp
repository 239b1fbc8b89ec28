#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "default_prefilter.hpp"
#include "policy_load.hpp"
#include "prefilter.hpp"

using namespace xpledge;

// `xpledge run` without --policy loads the embedded bytes instead of building the filter: they
// must be exactly what libseccomp (as linked now) makes of policies/default.yaml, whose
// soundness test_bpf_soundness checks against the evaluator.
TEST_CASE("default pre-filter: the embedded program is the default policy's, byte for byte") {
  std::string error;
  const std::vector<unsigned char> built = build_prefilter(load_default_policy(), error);
  REQUIRE(error.empty());
  const auto embedded = default_prefilter();
  REQUIRE(!embedded.empty());
  CHECK(embedded.size() % 8 == 0);  // whole struct sock_filter instructions
  CHECK(std::vector<unsigned char>(embedded.begin(), embedded.end()) == built);
}
