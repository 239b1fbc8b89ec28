#include "cli.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fmt/format.h>
#include <iostream>

#include "completion.hpp"
#include "oci_import.hpp"
#include "promises.hpp"

namespace xpledge::cli {

int do_promises(const std::vector<std::string>& names) {
  const auto& cat = xpledge::PromiseCatalogue::builtin();
  if (names.empty()) {
    std::cout << cat.describe();
    return 0;
  }
  for (const auto& n : names) {
    const auto id = cat.find(n);
    if (!id) {
      say(fmt::format("error: unknown promise '{}' (see 'xpledge promises')", n));
      return kExitFailure;
    }
    std::cout << cat.describe(*id);
  }
  return 0;
}


int do_import_oci(const ImportOciArgs& a) {
  xpledge::OciImportOptions o;
  o.caps = a.caps;
  o.kernel = a.kernel.empty() ? uname_release() : a.kernel;
  std::vector<std::string> warnings;
  std::string yaml;
  try {
    yaml = xpledge::import_oci_profile(a.file, o, warnings);
  } catch (const xpledge::OciImportError& e) {
    // Nothing on stdout: a failed import must not leave half a policy in `> file`.
    for (const auto& w : warnings) say("warning: " + w);
    if (e.errors().empty()) {
      say(fmt::format("error: {}", e.what()));
    } else {
      for (const auto& line : e.errors())
        std::fprintf(stderr, "%s%s\n", journal_prefix(kPriorityErr), line.c_str());
      say(fmt::format("{} error{} in {}; nothing imported", e.errors().size(),
                      e.errors().size() == 1 ? "" : "s", a.file));
    }
    return kExitFailure;
  } catch (const std::exception& e) {
    for (const auto& w : warnings) say("warning: " + w);
    say(fmt::format("error: {}", e.what()));
    return kExitFailure;
  }
  for (const auto& w : warnings) say("warning: " + w);
  std::cout << yaml << std::flush;
  return 0;
}

int do_completion(const CLI::App& app, const std::string& shell) {
  try {
    std::cout << xpledge::completion_script(app, shell) << std::flush;
  } catch (const std::exception& e) {
    say(fmt::format("error: {}", e.what()));
    return kExitFailure;
  }
  return 0;
}

}  // namespace xpledge::cli
