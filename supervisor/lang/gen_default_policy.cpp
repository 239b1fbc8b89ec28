// Writes the default policy (argv[1], policies/default.yaml) as a PolicyTable
// (policy_table.hpp), loaded through the one loader under the name "<default>": the binary then
// builds it without parsing YAML at start-up. Run at build time; test_builtin_tables compares
// the result with the loader's, field by field.
#include <cstdio>
#include <fstream>
#include <sstream>

#include "policy_load.hpp"
#include "policy_table.hpp"

int main(int argc, char** argv) {
  // Tests generate a table of their own: FILE NAME FUNCTION.
  if (argc != 2 && argc != 4) {
    std::fprintf(stderr, "usage: gen_default_policy default.yaml [NAME FUNCTION]\n");
    return 2;
  }
  const char* name = argc == 4 ? argv[2] : "<default>";
  const char* function = argc == 4 ? argv[3] : "builtin_default_policy_table";
  std::ifstream in(argv[1]);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    std::fprintf(stderr, "gen_default_policy: cannot read %s\n", argv[1]);
    return 1;
  }
  try {
    const xpledge::Policy p = xpledge::load_policy_string(text.str(), name);
    std::fputs(xpledge::emit_policy_table(p, function).c_str(), stdout);
  } catch (const xpledge::PolicyError& e) {
    for (const auto& d : e.diagnostics()) std::fprintf(stderr, "%s\n", d.format().c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gen_default_policy: %s\n", e.what());
    return 1;
  }
  return std::fflush(stdout) == 0 ? 0 : 1;
}
