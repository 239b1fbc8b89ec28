#pragma once
// The promise catalogue's insides, shared by its loader (promise_load.cpp) and its queries
// (promises.cpp). Each entry of a promise is compiled into a Rule (action allow, `promise` set)
// that the one rule engine (rule_eval.hpp) matches, as it matches a policy's rules.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "promises.hpp"

namespace xpledge {

// What the catalogue says about one (abi, nr).
struct CallRules {
  bool always = false;
  bool enosys = false;
  std::vector<std::size_t> rules;  // indices into Impl::rules, in catalogue order
};

struct PromiseCatalogue::Impl {
  std::vector<std::string> names;
  std::vector<std::string> helps;
  std::vector<bool> narrow;                       // per promise: suggested last
  std::vector<std::vector<PromiseRule>> written;  // per promise, as written
  std::vector<Rule> rules;                        // all promises' entries, in catalogue order
  std::vector<std::string> always;
  std::vector<std::string> enosys;
  std::array<std::vector<std::pair<std::string, std::string>>, kAllAbis.size()> aliases;
  std::array<std::unordered_map<std::int64_t, CallRules>, kAllAbis.size()> by_nr;

  const CallRules* find(Abi abi, std::int64_t nr) const;
};

// Loads promises.yaml's schema; throws std::runtime_error naming the line and what was expected.
std::shared_ptr<PromiseCatalogue::Impl> load_promise_catalogue(std::string_view yaml);
// Fills by_nr from the rest (the last step of loading, from YAML or from promise_table.hpp).
void index_catalogue(PromiseCatalogue::Impl& impl);

}  // namespace xpledge
