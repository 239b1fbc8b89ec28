// xpledge command line: the tree of commands and options; each command is in cli/ (cli/cli.hpp
// says which exit codes xpledge picks).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fmt/format.h>
#include <string>
#include <vector>

#include "cli.hpp"

namespace {

using namespace xpledge::cli;

// What the command line asked for: one subcommand and its arguments.
struct Commands {
  RunArgs ra;
  AttachArgs aa;
  bool attach_no_seccomp = false;
  std::string check_path;
  LearnArgs la;
  std::vector<std::string> promise_names;
  ImportOciArgs ia;
  std::string shell;
  CLI::App* run = nullptr;
  CLI::App* attach = nullptr;
  CLI::App* check = nullptr;
  CLI::App* learn = nullptr;
  CLI::App* promises = nullptr;
  CLI::App* oci = nullptr;
  CLI::App* completion = nullptr;
};

void define_run(CLI::App& app, Commands& c) {
  RunArgs& ra = c.ra;
  auto* run = c.run = app.add_subcommand("run", "Run CMD under a policy; exit with its status");
  run->add_option("-p,--policy", ra.policy, "Policy file (default: the embedded default policy)");
  add_log_options(run, ra.log);
  run->add_flag("--no-seccomp", ra.no_seccomp,
                "Stop at every syscall (pure ptrace); slower, for comparison or old kernels");
  run->add_flag("--permissive,--dry-run", ra.permissive,
                "Log every call the policy would refuse, refuse nothing");
  run->add_flag("--stats", ra.stats, "At exit, print a table of stopped calls and decisions");
  run->add_option("--landlock", ra.landlock,
                  "on (default): the kernel's Landlock holds the path allow-list, and decides "
                  "opens alone where it can (their refusals are not logged); off: every path "
                  "rule is judged, and logged, by the supervisor only")
      ->check(CLI::IsMember({"on", "off"}));
  run->add_flag("-v,--verbose", ra.log.verbose,
                "More detail: what would allow a refused call, pledges (repeatable)");
  run->add_option("cmd", ra.cmd, "Command and its arguments")->required();
  run->positionals_at_end();
}

void define_attach(CLI::App& app, Commands& c) {
  AttachArgs& aa = c.aa;
  auto* attach = c.attach = app.add_subcommand(
      "attach", "Enforce a policy on a running process from now on; Ctrl-C detaches");
  attach->add_option("--pid", aa.pid, "The process to attach to (all its threads)")->required();
  attach->add_option("-p,--policy", aa.policy,
                     "Policy file (default: the embedded default policy)");
  add_log_options(attach, aa.log);
  attach->add_flag("--permissive,--dry-run", aa.permissive,
                   "Log every call the policy would refuse, refuse nothing");
  attach->add_flag("--stats", aa.stats, "At exit or detach, print a table of calls and decisions");
  attach->add_flag("-v,--verbose", aa.log.verbose,
                   "More detail: what would allow a refused call, attach and detach (repeatable)");
  // attach always stops at every call; accepted so that scripts can pass run's flags.
  attach->add_flag("--no-seccomp", c.attach_no_seccomp, "No effect: attach is always pure ptrace")
      ->group("");
}

// check, learn, promises, import oci, completion.
void define_others(CLI::App& app, Commands& c) {
  auto* check = c.check = app.add_subcommand("check", "Validate a policy and print what it allows");
  check->add_option("file", c.check_path, "Policy file (default: the embedded default policy)");

  auto* learn = c.learn = app.add_subcommand("learn", "Run CMD allowing everything; write the policy it needed");
  learn->add_option("-o,--output", c.la.output,
                    "Write the policy to FILE (required; - for stdout, after CMD's own output)");
  learn->add_option("--merge", c.la.merge, "Start from an earlier learned policy FILE");
  learn->add_option("--base", c.la.base, "Record only what POLICY does not already allow");
  learn->add_option("cmd", c.la.cmd, "Command and its arguments")->required();
  learn->positionals_at_end();

  auto* promises = c.promises = app.add_subcommand("promises", "List pledge promises and what each allows");
  promises->add_option("promise", c.promise_names, "Only these promises");

  auto* import = app.add_subcommand("import", "Convert another tool's policy to xpledge's");
  import->require_subcommand(1);
  auto* oci = c.oci = import->add_subcommand("oci", "From a Docker/OCI seccomp profile (JSON) to stdout");
  oci->add_option("--caps", c.ia.caps, "Capabilities the container has (CAP_X,CAP_Y; default none)")
      ->delimiter(',');
  oci->add_option("--kernel", c.ia.kernel, "Kernel version for minKernel (default: the running one)");
  oci->add_option("file", c.ia.file, "The profile")->required();

  auto* completion = c.completion = app.add_subcommand("completion", "Print a shell completion script");
  completion->add_option("shell", c.shell, "bash, zsh or fish")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));
}

// The exit status of a command line CLI11 did not take (help and version: 0).
int parse_failed(const CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
  if (dynamic_cast<const CLI::CallForHelp*>(&e) || dynamic_cast<const CLI::CallForAllHelp*>(&e) ||
      dynamic_cast<const CLI::CallForVersion*>(&e))
    return app.exit(e);
  // A misspelt command or option gets a hint instead of CLI11's words ("A subcommand is
  // required", "The following arguments were not expected").
  std::string where;
  const std::string hint = unknown_word_hint(app, argc, argv, where);
  say(fmt::format("error: {}", hint.empty() ? std::string(e.what()) : hint));
  // Point at the help of the (sub)command whose arguments were wrong.
  std::fprintf(stderr, "%sTry '%s --help'.\n", journal_prefix(kPriorityErr), where.c_str());
  return kExitFailure;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"xpledge: run a program under a syscall policy (ptrace + seccomp supervisor)",
               "xpledge"};
  app.set_version_flag("--version", std::string("xpledge ") + XPLEDGE_VERSION);
  app.require_subcommand(1);
  Commands c;
  define_run(app, c);
  define_attach(app, c);
  define_others(app, c);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return parse_failed(app, e, argc, argv);
  }
  if (*c.run) return do_run(c.ra);
  if (*c.attach) return do_attach(c.aa);
  if (*c.check) return do_check(c.check_path);
  if (*c.learn) return do_learn(c.la);
  if (*c.promises) return do_promises(c.promise_names);
  if (*c.oci) return do_import_oci(c.ia);
  if (*c.completion) return do_completion(app, c.shell);
  return kExitFailure;
}
