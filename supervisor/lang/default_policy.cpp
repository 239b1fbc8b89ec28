// The embedded default policy, from the tables gen_default_policy wrote at build time: parsing
// its YAML took ~1 ms of every start-up (bench/RESULTS.md, issue 21). `include:
// builtin:default` still reads the embedded YAML through the loader (policy_include.cpp).
#include "policy_load.hpp"
#include "policy_table.hpp"

namespace xpledge {

const PolicyTable& builtin_default_policy_table();  // default_policy_data.cpp (generated)

Policy load_default_policy() { return policy_from_table(builtin_default_policy_table()); }

}  // namespace xpledge
