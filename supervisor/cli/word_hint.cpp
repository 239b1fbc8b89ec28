#include "cli.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <fmt/format.h>

#include "suggest.hpp"

namespace xpledge::cli {

std::string unknown_word_hint(const CLI::App& app, int argc, char** argv, std::string& where) {
  const CLI::App* cur = &app;
  where = "xpledge";
  const auto names_of = [](const CLI::App* a) {
    std::vector<std::string> out;
    for (const CLI::Option* o : a->get_options())
      for (const auto& l : o->get_lnames()) out.push_back("--" + l);
    out.push_back("--help");
    return out;
  };
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") break;
    if (arg.starts_with("--")) {
      const std::string name = arg.substr(0, arg.find('='));
      const CLI::Option* known = nullptr;
      for (const CLI::Option* o : cur->get_options())
        for (const auto& l : o->get_lnames())
          if ("--" + l == name) known = o;
      if (!known && name != "--help" && !(cur == &app && name == "--version")) {
        const auto names = names_of(cur);
        return fmt::format("unknown option '{}'{}", name,
                           xpledge::did_you_mean(xpledge::closest(name, names)));
      }
      if (known && known->get_expected_max() > 0 && arg.find('=') == std::string::npos) ++i;
      continue;
    }
    if (arg.size() > 1 && arg[0] == '-') {
      // Short options: -p FILE takes the next word unless glued (-pFILE); -vv takes none.
      for (const CLI::Option* o : cur->get_options())
        for (const auto& sn : o->get_snames())
          if (arg == "-" + sn && o->get_expected_max() > 0) ++i;
      continue;
    }
    const auto subs = cur->get_subcommands([](const CLI::App* a) { return !a->get_name().empty(); });
    const auto sub = std::find_if(subs.begin(), subs.end(),
                                  [&](const CLI::App* a) { return a->get_name() == arg; });
    if (sub != subs.end()) {
      cur = *sub;
      where += " " + arg;
      continue;
    }
    if (cur->get_require_subcommand_min() > 0) {
      std::vector<std::string> names;
      for (const CLI::App* a : subs) names.push_back(a->get_name());
      return fmt::format("unknown command '{}'{}", arg,
                         xpledge::did_you_mean(xpledge::closest(arg, names)));
    }
    break;  // a positional: a file, or CMD and its own arguments
  }
  return {};
}

}  // namespace xpledge::cli
