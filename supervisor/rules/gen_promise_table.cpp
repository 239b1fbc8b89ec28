// Writes promise_table.hpp's table from policies/promises.yaml (argv[1]), through the catalogue's
// one loader: the binary then builds the catalogue without parsing YAML at start-up. Run at
// build time; test_builtin_tables compares the result with the YAML loader's, rule by rule.
#include <cstdio>
#include <fstream>
#include <sstream>

#include "promise_table.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: gen_promise_table promises.yaml\n");
    return 2;
  }
  std::ifstream in(argv[1]);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    std::fprintf(stderr, "gen_promise_table: cannot read %s\n", argv[1]);
    return 1;
  }
  try {
    const auto impl = xpledge::load_promise_catalogue(text.str());
    std::fputs(xpledge::emit_promise_table(*impl).c_str(), stdout);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gen_promise_table: %s\n", e.what());
    return 1;
  }
  return std::fflush(stdout) == 0 ? 0 : 1;
}
