// Completion scripts from a CLI11 tree shaped like xpledge's: every visible subcommand, option
// and choice must appear; hidden ones must not. (test_cli_extras.sh runs bash -n / zsh -n on the
// real binary's output.)
#include <doctest/doctest.h>

#include <CLI/CLI.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "completion.hpp"

using namespace xpledge;

namespace {

struct Cli {
  CLI::App app{"test program", "xpledge"};
  std::string policy, log_format, out, merge, json, shell, secret;
  std::vector<std::string> cmd, promises, caps;
  bool no_seccomp = false;
  int verbose = 0;

  Cli() {
    app.set_version_flag("--version", "xpledge 0.1.0");
    auto* run = app.add_subcommand("run", "Run CMD under a policy");
    run->add_option("-p,--policy", policy, "Policy file");
    run->add_option("--log-format", log_format, "text or json")
        ->check(CLI::IsMember({"text", "json"}));
    run->add_flag("--no-seccomp", no_seccomp, "Pure ptrace [slow]");
    run->add_flag("-v,--verbose", verbose, "More detail: 'why' (repeatable)");
    run->add_option("cmd", cmd, "Command")->required();
    run->positionals_at_end();
    auto* check = app.add_subcommand("check", "Validate a policy");
    check->add_option("file", policy, "Policy file");
    auto* learn = app.add_subcommand("learn", "Learn a policy");
    learn->add_option("-o,--output", out, "Output file");
    learn->add_option("--merge", merge, "Earlier policy");
    learn->add_option("cmd", cmd, "Command")->required();
    learn->positionals_at_end();
    auto* promises_cmd = app.add_subcommand("promises", "List promises");
    promises_cmd->add_option("promise", promises, "Only these");
    auto* import = app.add_subcommand("import", "Convert policies");
    auto* oci = import->add_subcommand("oci", "From a Docker/OCI profile");
    oci->add_option("file", json, "Profile")->required();
    oci->add_option("--caps", caps, "Capabilities")->delimiter(',');
    auto* completion = app.add_subcommand("completion", "Print a completion script");
    completion->add_option("shell", shell, "Shell")->check(CLI::IsMember({"bash", "zsh"}));
    auto* hidden = app.add_subcommand("internal-debug", "Not for users");
    hidden->group("");
    run->add_option("--secret-knob", secret, "Hidden")->group("");
  }
};

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("bash: every subcommand, option and choice; nothing hidden") {
  const Cli cli;
  const std::string s = completion_script(cli.app, "bash");
  for (const char* word : {"run", "check", "learn", "promises", "import", "completion", "oci",
                           "-p", "--policy", "--log-format", "--no-seccomp", "-v", "--verbose",
                           "-o", "--output", "--merge", "--caps", "--help", "--version"})
    CHECK_MESSAGE(contains(s, word), word);
  CHECK(contains(s, "\"|run\") node=\"run\" ;;"));
  CHECK(contains(s, "\"import|oci\") node=\"import oci\" ;;"));
  // Values: choices offered, files completed, and options that take a value skip it.
  CHECK(contains(s, "\"run|--log-format\")\n            COMPREPLY=($(compgen -W \"text json\""));
  CHECK(contains(s, "\"run|-p\"|\"run|--policy\")\n            compopt -o filenames"));
  CHECK(contains(s, "COMPREPLY=($(compgen -W \"bash zsh\" -- \"$cur\"))"));
  // run and learn end with a command: completed as one.
  CHECK(contains(s, "\"run|--\"|\"learn|--\")"));
  CHECK(contains(s, "_command_offset"));
  CHECK(contains(s, "complete -F _xpledge xpledge"));
  CHECK_FALSE(contains(s, "internal-debug"));
  CHECK_FALSE(contains(s, "--secret-knob"));
}

TEST_CASE("zsh: every subcommand, option and choice; nothing hidden") {
  const Cli cli;
  const std::string s = completion_script(cli.app, "zsh");
  CHECK(s.starts_with("#compdef xpledge\n"));
  for (const char* word : {"'run:Run CMD under a policy'", "'check:", "'learn:", "'promises:",
                           "'import:", "'completion:", "'oci:From a Docker/OCI profile'"})
    CHECK_MESSAGE(contains(s, word), word);
  CHECK(contains(s, "'(-p --policy)'{-p+,--policy=}'[Policy file]:value:_files'"));
  CHECK(contains(s, "'--log-format=[text or json]:value:(text json)'"));
  // Brackets, colons and quotes in descriptions are escaped.
  CHECK(contains(s, "'--no-seccomp[Pure ptrace \\[slow\\]]'"));
  CHECK(contains(s, "'*'{-v,--verbose}'[More detail\\: '\\''why'\\'' (repeatable)]'"));
  CHECK(contains(s, "'(-)1:command:_command_names -e'"));
  CHECK(contains(s, "'1:shell:(bash zsh)'"));
  CHECK(contains(s, "_xpledge__import__oci() {"));
  CHECK(contains(s, "oci) _xpledge__import__oci && ret=0 ;;"));
  CHECK(s.ends_with("_xpledge \"$@\"\n"));
  CHECK_FALSE(contains(s, "internal-debug"));
  CHECK_FALSE(contains(s, "--secret-knob"));
}

TEST_CASE("fish: every subcommand, option and choice under its path; nothing hidden") {
  const Cli cli;
  const std::string s = completion_script(cli.app, "fish");
  CHECK(contains(s, "        case ''\n            printf '%s\\n' run check learn promises import "
                    "completion\n"));
  CHECK(contains(s, "        case 'import'\n            printf '%s\\n' oci\n"));
  CHECK(contains(s, "complete -c xpledge -f\n"));
  CHECK(contains(s, "complete -c xpledge -n '__xpledge_at \\'\\'' -a 'run' -d 'Run CMD under a "
                    "policy'\n"));
  CHECK(contains(s, "complete -c xpledge -n '__xpledge_at \\'import\\'' -a 'oci'"));
  CHECK(contains(s, "complete -c xpledge -n '__xpledge_at \\'run\\'' -s p -l policy -r -F -d "
                    "'Policy file'\n"));
  CHECK(contains(s, "-l log-format -x -a 'text json' -d 'text or json'\n"));
  // Quotes in descriptions are escaped; flags take no value.
  CHECK(contains(s, "-s v -l verbose -d 'More detail: \\'why\\' (repeatable)'\n"));
  CHECK(contains(s, "-l no-seccomp -d 'Pure ptrace [slow]'\n"));
  // run's command and its arguments; import oci's profile is a file; completion's choices.
  CHECK(contains(s, "-n '__xpledge_at \\'run\\'' -x -a '(__fish_complete_subcommand)'\n"));
  CHECK(contains(s, "-n '__xpledge_at \\'import oci\\'' -F -d 'Profile'\n"));
  CHECK(contains(s, "-n '__xpledge_at \\'completion\\'' -x -a 'bash zsh' -d 'Shell'\n"));
  CHECK_FALSE(contains(s, "internal-debug"));
  CHECK_FALSE(contains(s, "secret-knob"));
}

TEST_CASE("generation is deterministic; an unknown shell is an error") {
  const Cli cli;
  CHECK(completion_script(cli.app, "bash") == completion_script(cli.app, "bash"));
  CHECK(completion_script(cli.app, "fish") == completion_script(cli.app, "fish"));
  CHECK_THROWS_AS(completion_script(cli.app, "tcsh"), std::invalid_argument);
}
