// xpledge command line: the only place that picks exit codes.
//   0..124  the child's own status    125  xpledge failed (usage, policy, ptrace unavailable)
//   126     CMD found, not executable 127  CMD not found       128+N  child killed by signal N
#include <sys/utsname.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fmt/format.h>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "audit_log.hpp"
#include "policy_load.hpp"
#include "promises.hpp"
#include "stats.hpp"
#include "tracer.hpp"

namespace {

constexpr int kExitFailure = 125;

void say(const std::string& msg) { std::fprintf(stderr, "xpledge: %s\n", msg.c_str()); }

// PTRACE_GET_SYSCALL_INFO and the seccomp-then-ptrace ordering we rely on need Linux 5.3.
bool kernel_supported(std::string& release) {
  utsname u{};
  if (uname(&u) != 0) return true;
  release = u.release;
  int major = 0, minor = 0;
  if (std::sscanf(u.release, "%d.%d", &major, &minor) != 2) return true;
  return major > 5 || (major == 5 && minor >= 3);
}

std::optional<xpledge::Policy> load_policy(const std::string& path) {
  try {
    return path.empty() ? xpledge::load_default_policy() : xpledge::load_policy_file(path);
  } catch (const xpledge::PolicyError& e) {
    for (const auto& d : e.diagnostics()) std::fprintf(stderr, "%s\n", d.format().c_str());
    say(fmt::format("{} error{} in {}; not starting the command", e.diagnostics().size(),
                    e.diagnostics().size() == 1 ? "" : "s", path.empty() ? "<default>" : path));
  } catch (const std::exception& e) {
    say(fmt::format("error: {}", e.what()));
  }
  return std::nullopt;
}

struct RunArgs {
  std::string policy;
  std::string log_file;
  std::string log_format = "text";
  std::string color = "auto";
  bool no_seccomp = false;
  bool permissive = false;
  bool stats = false;
  int verbose = 0;
  std::vector<std::string> cmd;
};

int do_run(const RunArgs& a) {
  std::string release;
  if (!kernel_supported(release)) {
    say(fmt::format("error: Linux {} is too old: xpledge needs 5.3 or newer "
                    "(PTRACE_GET_SYSCALL_INFO)", release));
    return kExitFailure;
  }
  const auto policy = load_policy(a.policy);
  if (!policy) return kExitFailure;
  xpledge::LogConfig lc;
  lc.format = a.log_format == "json" ? xpledge::LogFormat::json : xpledge::LogFormat::text;
  lc.file = a.log_file;
  lc.color = a.color == "always"  ? xpledge::ColorMode::always
             : a.color == "never" ? xpledge::ColorMode::never
                                  : xpledge::ColorMode::automatic;
  lc.verbosity = a.verbose;
  std::optional<xpledge::AuditLog> log;
  try {
    log.emplace(lc);
  } catch (const std::exception& e) {
    say(fmt::format("error: {}", e.what()));
    return kExitFailure;
  }
  xpledge::TracerOptions opts;
  opts.policy = &*policy;
  opts.log = &*log;
  opts.use_seccomp = !a.no_seccomp;
  opts.permissive = a.permissive;
  xpledge::StatsObserver stats;
  if (a.stats) opts.observers.push_back(&stats);
  const xpledge::RunResult r = xpledge::run_supervised(a.cmd, opts);
  if (a.stats) std::fputs(stats.table().c_str(), stderr);
  switch (r.kind) {
    case xpledge::RunResult::Kind::spawn_failed:
      say("error: " + r.error);
      return kExitFailure;
    case xpledge::RunResult::Kind::exited: return r.code;
    case xpledge::RunResult::Kind::signaled: return 128 + r.code;
  }
  return kExitFailure;
}

int do_check(const std::string& path) {
  const auto policy = load_policy(path);
  if (!policy) return kExitFailure;
  std::cout << xpledge::describe_policy(*policy);
  return 0;
}

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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"xpledge: run a program under a syscall policy (ptrace + seccomp supervisor)",
               "xpledge"};
  app.set_version_flag("--version", std::string("xpledge ") + XPLEDGE_VERSION);
  app.require_subcommand(1);

  RunArgs ra;
  auto* run = app.add_subcommand("run", "Run CMD under a policy; exit with its status");
  run->add_option("-p,--policy", ra.policy, "Policy file (default: the embedded default policy)");
  run->add_option("--log-file", ra.log_file, "Append decision records to PATH instead of stderr");
  run->add_option("--log-format", ra.log_format, "text (default) or json (JSON Lines)")
      ->check(CLI::IsMember({"text", "json"}));
  run->add_option("--color", ra.color, "auto (default), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  run->add_flag("--no-seccomp", ra.no_seccomp,
                "Stop at every syscall (pure ptrace); slower, for comparison or old kernels");
  run->add_flag("--permissive,--dry-run", ra.permissive,
                "Log every call the policy would refuse, refuse nothing");
  run->add_flag("--stats", ra.stats, "At exit, print a table of stopped calls and decisions");
  run->add_flag("-v,--verbose", ra.verbose,
                "More detail: what would allow a refused call, pledges (repeatable)");
  run->add_option("cmd", ra.cmd, "Command and its arguments")->required();
  run->positionals_at_end();

  std::string check_path;
  auto* check = app.add_subcommand("check", "Validate a policy and print what it allows");
  check->add_option("file", check_path, "Policy file (default: the embedded default policy)");

  std::vector<std::string> promise_names;
  auto* promises = app.add_subcommand("promises", "List pledge promises and what each allows");
  promises->add_option("promise", promise_names, "Only these promises");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    say(fmt::format("error: {}", e.what()));
    std::fprintf(stderr, "Try 'xpledge --help' or 'xpledge run --help'.\n");
    return kExitFailure;
  }
  if (*run) return do_run(ra);
  if (*check) return do_check(check_path);
  if (*promises) return do_promises(promise_names);
  return kExitFailure;
}
