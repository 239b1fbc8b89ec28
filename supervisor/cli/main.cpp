// xpledge command line: the only place that picks exit codes.
//   0..124  the child's own status    125  xpledge failed (usage, policy, ptrace unavailable)
//   126     CMD found, not executable 127  CMD not found       128+N  child killed by signal N
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "audit_log.hpp"
#include "builtin_prefilters.hpp"
#include "completion.hpp"
#include "confine.hpp"
#include "exec_images.hpp"
#include "kernel_probe.hpp"
#include "landlock_plan.hpp"
#include "learn.hpp"
#include "oci_import.hpp"
#include "policy_load.hpp"
#include "prefilter_key.hpp"
#include "promises.hpp"
#include "rule_binding.hpp"
#include "stats.hpp"
#include "suggest.hpp"
#include "syscalls.hpp"
#include "tracer.hpp"

namespace {

constexpr int kExitFailure = 125;

// A syslog priority prefix ("<3>") when stderr is the journal, as AuditLog's records have;
// empty otherwise. Decided once.
const char* journal_prefix(int priority) {
  static const bool journal = xpledge::stderr_is_journal();
  static const char* const kPrefixes[] = {"<0>", "<1>", "<2>", "<3>", "<4>", "<5>", "<6>", "<7>"};
  return journal ? kPrefixes[priority & 7] : "";
}
constexpr int kPriorityErr = 3;
constexpr int kPriorityWarning = 4;
constexpr int kPriorityNotice = 5;

// xpledge's own messages where no log is open yet (usage, a policy or log that cannot be
// opened) or where there is none (check, promises, import): stderr, "xpledge: error: ...", with
// the journald priority of its first word. Once `run` or `attach` has its log, messages go
// through it instead (AuditLog::message), in the format asked for.
void say(const std::string& msg) {
  const int priority = msg.starts_with("error")     ? kPriorityErr
                       : msg.starts_with("warning") ? kPriorityWarning
                                                    : kPriorityNotice;
  std::fprintf(stderr, "%sxpledge: %s\n", journal_prefix(priority), msg.c_str());
}

std::string uname_release() {
  utsname u{};
  return uname(&u) == 0 ? std::string(u.release) : std::string();
}

// PTRACE_GET_SYSCALL_INFO and the seccomp-then-ptrace ordering we rely on need Linux 5.3.
bool kernel_supported() {
  const std::string release = uname_release();
  int major = 0, minor = 0;
  if (std::sscanf(release.c_str(), "%d.%d", &major, &minor) != 2) return true;
  if (major > 5 || (major == 5 && minor >= 3)) return true;
  say(fmt::format("error: Linux {} is too old: xpledge needs 5.3 or newer "
                  "(PTRACE_GET_SYSCALL_INFO)", release));
  return false;
}

// The loader's errors, one "file:line:col: error: ..." line each, then a summary; through `log`
// when there is one.
void print_policy_error(const xpledge::PolicyError& e, const std::string& name,
                        const char* consequence, xpledge::AuditLog* log = nullptr) {
  const std::string summary = fmt::format("{} error{} in {}; {}", e.diagnostics().size(),
                                          e.diagnostics().size() == 1 ? "" : "s", name, consequence);
  using Level = xpledge::AuditLog::Level;
  for (const auto& d : e.diagnostics()) {
    if (log) log->message_line(Level::error, d.format());
    else std::fprintf(stderr, "%s%s\n", journal_prefix(kPriorityErr), d.format().c_str());
  }
  if (log) log->message_line(Level::error, "xpledge: " + summary, summary);
  else std::fprintf(stderr, "%sxpledge: %s\n", journal_prefix(kPriorityErr), summary.c_str());
}

std::optional<xpledge::Policy> load_policy(const std::string& path,
                                           xpledge::AuditLog* log = nullptr) {
  try {
    return xpledge::bound_to_filesystem(path.empty() ? xpledge::load_default_policy()
                                                     : xpledge::load_policy_file(path));
  } catch (const xpledge::PolicyError& e) {
    print_policy_error(e, path.empty() ? "<default>" : path, "not starting the command", log);
  } catch (const std::exception& e) {
    if (log) log->error(e.what());
    else say(fmt::format("error: {}", e.what()));
  }
  return std::nullopt;
}

std::optional<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    say(fmt::format("error: cannot read {}: {}", path, std::strerror(errno)));
    return std::nullopt;
  }
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Options shared by the commands that supervise a program (run, attach).
struct LogArgs {
  std::string log_file;
  std::string log_format = "text";
  std::string color = "auto";
  int verbose = 0;
  long rate_limit = -1;  // --log-rate-limit; -1: the sink's default
};

std::optional<xpledge::AuditLog> open_log(const LogArgs& a) {
  xpledge::LogConfig lc;
  lc.format = a.log_format == "json" ? xpledge::LogFormat::json : xpledge::LogFormat::text;
  lc.file = a.log_file;
  lc.color = a.color == "always"  ? xpledge::ColorMode::always
             : a.color == "never" ? xpledge::ColorMode::never
                                  : xpledge::ColorMode::automatic;
  lc.verbosity = a.verbose;
  if (a.rate_limit >= 0) lc.record_rate = static_cast<unsigned>(a.rate_limit);
  std::optional<xpledge::AuditLog> log;
  try {
    log.emplace(lc);
  } catch (const std::exception& e) {
    say(fmt::format("error: {}", e.what()));
  }
  return log;
}

// The supervised program's fate as our exit status.
int exit_status(const xpledge::RunResult& r, xpledge::AuditLog& log) {
  switch (r.kind) {
    case xpledge::RunResult::Kind::spawn_failed:
      log.error(r.error);
      return kExitFailure;
    case xpledge::RunResult::Kind::exited: return r.code;
    case xpledge::RunResult::Kind::signaled: return 128 + r.code;
    case xpledge::RunResult::Kind::detached: return 0;
  }
  return kExitFailure;
}

struct RunArgs {
  std::string policy;
  LogArgs log;
  bool no_seccomp = false;
  std::string landlock = "on";  // --landlock: hand the path allow-list to the kernel
  bool permissive = false;
  bool stats = false;
  std::vector<std::string> cmd;
};

// The filesystem as the Landlock plan needs it: does a rule's directory exist, where does it lead.
xpledge::PathFact path_fact(const std::string& path) {
  xpledge::PathFact f;
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return f;
  f.exists = true;
  f.is_dir = S_ISDIR(st.st_mode);
  char buf[PATH_MAX];
  f.real = realpath(path.c_str(), buf) ? std::string(buf) : path;
  return f;
}

// The file execvp(3) runs for `cmd`, as the child will look it up.
std::string exec_target(const std::string& cmd) {
  if (cmd.find('/') != std::string::npos) return cmd;
  const char* env = getenv("PATH");
  std::string_view path = env ? env : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    const auto colon = path.find(':');
    std::string dir(path.substr(0, colon));
    const std::string file = (dir.empty() ? "." : dir) + "/" + cmd;
    if (access(file.c_str(), X_OK) == 0) return file;
    if (colon == std::string_view::npos) return cmd;
    path.remove_prefix(colon + 1);
  }
}

// The interpreter the kernel reads to run `file`: an ELF PT_INTERP or a `#!` line; "" if none.
std::string exec_interpreter(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  char head[256] = {};
  in.read(head, sizeof head);
  const std::string_view text(head, static_cast<std::size_t>(in.gcount()));
  if (text.starts_with("#!")) return xpledge::shebang_interpreter(text).value_or("");
  Elf64_Ehdr eh{};
  if (static_cast<std::size_t>(in.gcount()) < sizeof eh) return {};
  std::memcpy(&eh, head, sizeof eh);
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64)
    return {};
  for (unsigned i = 0; i < eh.e_phnum && i < 64; ++i) {
    Elf64_Phdr ph{};
    in.clear();
    in.seekg(static_cast<std::streamoff>(eh.e_phoff + i * sizeof ph));
    if (!in.read(reinterpret_cast<char*>(&ph), sizeof ph)) return {};
    if (ph.p_type != PT_INTERP || ph.p_filesz == 0 || ph.p_filesz > 4096) continue;
    std::string interp(ph.p_filesz, '\0');
    in.seekg(static_cast<std::streamoff>(ph.p_offset));
    if (!in.read(interp.data(), static_cast<std::streamsize>(interp.size()))) return {};
    return interp.substr(0, interp.find('\0'));
  }
  return {};
}

// What of the policy's path rules the running kernel holds (none under --landlock=off, and none
// under --permissive, which must refuse nothing). `cmd`: what xpledge will exec itself; the
// kernel must be able to read it, its interpreter and that one's (a script's interpreter).
xpledge::LandlockPlan landlock_plan(const xpledge::Policy& policy, bool enabled,
                                    const std::string& cmd = {}) {
  std::vector<std::string> first_exec;
  for (std::string f = cmd.empty() ? "" : exec_target(cmd); !f.empty() && first_exec.size() < 3;
       f = exec_interpreter(f))
    first_exec.push_back(f);
  return xpledge::plan_landlock(policy, xpledge::probe_confinement().landlock_abi, path_fact,
                                enabled, first_exec);
}

// run and attach: load the policy and the log, then `go` supervises under those options.
// `landlock`: run's --landlock (attach has no Landlock domain).
template <typename Go>
int supervise(const std::string& policy_path, const LogArgs& log_args, bool use_seccomp,
              bool permissive, bool want_stats, Go go, const char* landlock = nullptr,
              const std::string& cmd = {}) {
  if (!kernel_supported()) return kExitFailure;
  // The log first: from here on every message goes where the records go, in their format.
  auto log = open_log(log_args);
  if (!log) return kExitFailure;
  const auto policy = load_policy(policy_path, &*log);
  if (!policy) return kExitFailure;
  xpledge::TracerOptions opts;
  opts.policy = &*policy;
  opts.log = &*log;
  opts.use_seccomp = use_seccomp;
  // A policy with the key of the default or a shipped example gets the filter built for it at
  // build time (unit_builtin_prefilters checks each is what libseccomp makes of it now).
  if (use_seccomp) opts.prefilter = xpledge::builtin_prefilter(xpledge::prefilter_key(*policy));
  opts.permissive = permissive;
  std::optional<xpledge::LandlockPlan> plan;
  if (landlock) {
    plan = landlock_plan(*policy, std::string_view(landlock) == "on" && !permissive, cmd);
    // Pure ptrace stops at every call: the kernel is a wall under the supervisor, no more.
    if (!use_seccomp)
      for (auto& oc : plan->opens) oc = {oc.name, false, "--no-seccomp: every call stops"};
    // A warning where ordinary refusals leave the log (opens that no longer stop); otherwise
    // (-v) only: the kernel then refuses only what reaches outside the trees by another name.
    const std::string n = xpledge::landlock_plan_notice(*plan);
    if (!n.empty() && plan->any_open_decided()) log->warn(n);
    else if (!n.empty()) log->info(n);
    opts.landlock = &*plan;
  }
  xpledge::StatsObserver stats;
  if (want_stats) opts.observers.push_back(&stats);
  const xpledge::RunResult r = go(opts);
  if (want_stats && r.kind != xpledge::RunResult::Kind::spawn_failed) {
    // The table is for people; when stderr is a JSON Lines log it is one JSON message there.
    if (log_args.log_format == "json" && log_args.log_file.empty())
      log->message_line(xpledge::AuditLog::Level::info, {}, stats.table());
    else
      std::fputs(stats.table().c_str(), stderr);
  }
  return exit_status(r, *log);
}

int do_run(const RunArgs& a) {
  return supervise(
      a.policy, a.log, !a.no_seccomp, a.permissive, a.stats,
      [&](const xpledge::TracerOptions& o) { return xpledge::run_supervised(a.cmd, o); },
      a.landlock.c_str(), a.cmd.empty() ? std::string() : a.cmd.front());
}

struct AttachArgs {
  pid_t pid = 0;
  std::string policy;
  LogArgs log;
  bool permissive = false;
  bool stats = false;
};

int do_attach(const AttachArgs& a) {
  // A running process cannot be given a pre-filter: attach is always pure ptrace.
  return supervise(a.policy, a.log, false, a.permissive, a.stats,
                   [&](const xpledge::TracerOptions& o) { return xpledge::attach_supervised(a.pid, o); });
}

// Does the running kernel implement x86-64 calls just above the highest number this build
// names? Those would get ENOSYS under every policy without `unknown: allow` (issue 23). A cheap
// probe (one throw-away child per number, bad arguments); tests/probe tries every number.
std::string kernel_drift_note() {
  using xpledge::Abi;
  constexpr std::int64_t kX32Range = 512;  // 512..547 are x32-only: ENOSYS natively
  constexpr std::int64_t kSpan = 32;
  std::int64_t highest = 0;
  for (const auto& k : xpledge::known_syscalls(Abi::x86_64))
    if (k.nr < kX32Range) highest = std::max(highest, k.nr);
  const auto probe = xpledge::probe_unnamed_syscalls(Abi::x86_64, highest + 1, highest + kSpan);
  std::string out = fmt::format("\nkernel: tables named by libseccomp {} + the Linux {} supplement; ",
                                xpledge::libseccomp_version(), xpledge::syscall_tables_release());
  if (probe.hits.empty())
    return out + fmt::format("the running kernel implements no x86_64 call in {}..{} that they "
                             "do not name\n",
                             highest + 1, highest + kSpan);
  out += "the running kernel implements x86_64 calls this build does not name:";
  for (const auto& h : probe.hits) out += fmt::format(" {} ({})", h.nr, h.outcome);
  return out + "\n  they get ENOSYS unless the policy says `unknown: allow`; refresh the tables "
               "with scripts/gen-syscall-supplement (docs/SECURITY.md)\n";
}

int do_check(const std::string& path) {
  const auto policy = load_policy(path);
  if (!policy) return kExitFailure;
  std::cout << xpledge::describe_policy(*policy)
            << xpledge::describe_landlock_plan(landlock_plan(*policy, true)) << kernel_drift_note();
  return 0;
}

struct LearnArgs {
  std::string output;
  std::string merge;
  std::string base;
  std::vector<std::string> cmd;
};

xpledge::LearnOptions learn_options(const LearnArgs& a) {
  xpledge::LearnOptions o;
  o.command = a.cmd;
  o.version = XPLEDGE_VERSION;
  if (const char* home = std::getenv("HOME")) o.home = home;
  if (const char* tmp = std::getenv("TMPDIR"); tmp && *tmp) {
    std::string dir = tmp;
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    if (std::find(o.temp_dirs.begin(), o.temp_dirs.end(), dir) == o.temp_dirs.end())
      o.temp_dirs.push_back(dir);
  }
  o.base_name = a.base;
  return o;
}

// `learn -o -`: the policy on standard output, asked for explicitly.
constexpr std::string_view kStdout = "-";

bool write_output(const std::string& path, const std::string& text) {
  if (path == kStdout) {
    std::cout << text << std::flush;
    return true;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (out) return true;
  say(fmt::format("error: cannot write {}: {}", path, std::strerror(errno)));
  return false;
}

int do_learn(const LearnArgs& a) {
  if (a.output.empty()) {
    // CMD's own output goes to standard output: a policy written there too would be mixed into
    // it (`learn -- CMD > file`). So the policy goes to -o FILE only; -o - asks for stdout.
    say("error: learn needs -o FILE: CMD's own output goes to standard output, the policy is "
        "not mixed into it (-o - writes it there after CMD has finished)");
    std::fprintf(stderr, "%sTry 'xpledge learn --help'.\n", journal_prefix(kPriorityErr));
    return kExitFailure;
  }
  if (!kernel_supported()) return kExitFailure;
  // Everything is validated before CMD exists: the base policy, the merged file, the output.
  std::optional<xpledge::Policy> base;
  if (!a.base.empty() && !(base = load_policy(a.base))) return kExitFailure;
  xpledge::Learner learner(base ? &*base : nullptr);
  if (!a.merge.empty()) {
    const auto text = read_text_file(a.merge);
    if (!text) return kExitFailure;
    try {
      learner.merge_policy(*text, a.merge);
    } catch (const xpledge::PolicyError& e) {
      print_policy_error(e, a.merge, "not starting the command");
      return kExitFailure;
    } catch (const std::exception& e) {
      say(fmt::format("error: {}", e.what()));
      return kExitFailure;
    }
  }
  if (a.output != kStdout) {
    // Not truncated yet (it may be the --merge file, or CMD may fail to start).
    const int fd = open(a.output.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
      say(fmt::format("error: cannot write {}: {}", a.output, std::strerror(errno)));
      return kExitFailure;
    }
    close(fd);
  }
  auto log = open_log(LogArgs{});
  if (!log) return kExitFailure;
  const xpledge::Policy everything = xpledge::learning_policy();
  xpledge::TracerOptions opts;
  opts.policy = &everything;
  opts.log = &*log;
  opts.use_seccomp = false;  // the learner sees only calls that stop: all of them
  opts.observers.push_back(&learner);
  const xpledge::RunResult r = xpledge::run_supervised(a.cmd, opts);
  if (r.kind == xpledge::RunResult::Kind::spawn_failed) return exit_status(r, *log);
  std::vector<std::string> warnings;
  const std::string yaml = learner.policy_yaml(learn_options(a), &warnings);
  for (const auto& w : warnings) log->warn(w);
  if (!write_output(a.output, yaml)) return kExitFailure;
  return exit_status(r, *log);
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

struct ImportOciArgs {
  std::string file;
  std::vector<std::string> caps;
  std::string kernel;  // empty: the running kernel's release
};

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

// After a parse error: the first word of argv the command line does not know, said with a hint
// ("unknown command 'chek' (did you mean 'check'?)"); empty when every word is known (the error
// is about something else: a missing value, a bad choice). Walks argv as CLI11 does: options
// before the first positional, a subcommand name where one is required, then CMD.
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

void add_log_options(CLI::App* cmd, LogArgs& a) {
  cmd->add_option("--log-file", a.log_file, "Append decision records to PATH instead of stderr");
  cmd->add_option("--log-format", a.log_format, "text (default) or json (JSON Lines)")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--log-rate-limit", a.rate_limit,
                   "At most N records a second, the rest counted in a summary every 10 s; 0: no "
                   "limit (default: 200 on stderr, none with --log-file)")
      ->check(CLI::Range(0L, 1000000L));
  cmd->add_option("--color", a.color, "auto (default), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
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

  AttachArgs aa;
  bool attach_no_seccomp = false;
  auto* attach = app.add_subcommand(
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
  attach->add_flag("--no-seccomp", attach_no_seccomp, "No effect: attach is always pure ptrace")
      ->group("");

  std::string check_path;
  auto* check = app.add_subcommand("check", "Validate a policy and print what it allows");
  check->add_option("file", check_path, "Policy file (default: the embedded default policy)");

  LearnArgs la;
  auto* learn = app.add_subcommand("learn", "Run CMD allowing everything; write the policy it needed");
  learn->add_option("-o,--output", la.output,
                    "Write the policy to FILE (required; - for stdout, after CMD's own output)");
  learn->add_option("--merge", la.merge, "Start from an earlier learned policy FILE");
  learn->add_option("--base", la.base, "Record only what POLICY does not already allow");
  learn->add_option("cmd", la.cmd, "Command and its arguments")->required();
  learn->positionals_at_end();

  std::vector<std::string> promise_names;
  auto* promises = app.add_subcommand("promises", "List pledge promises and what each allows");
  promises->add_option("promise", promise_names, "Only these promises");

  ImportOciArgs ia;
  auto* import = app.add_subcommand("import", "Convert another tool's policy to xpledge's");
  import->require_subcommand(1);
  auto* oci = import->add_subcommand("oci", "From a Docker/OCI seccomp profile (JSON) to stdout");
  oci->add_option("--caps", ia.caps, "Capabilities the container has (CAP_X,CAP_Y; default none)")
      ->delimiter(',');
  oci->add_option("--kernel", ia.kernel, "Kernel version for minKernel (default: the running one)");
  oci->add_option("file", ia.file, "The profile")->required();

  std::string shell;
  auto* completion = app.add_subcommand("completion", "Print a shell completion script");
  completion->add_option("shell", shell, "bash, zsh or fish")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // A misspelt command or option gets a hint instead of CLI11's words ("A subcommand is
    // required", "The following arguments were not expected").
    std::string where;
    const std::string hint = unknown_word_hint(app, argc, argv, where);
    say(fmt::format("error: {}", hint.empty() ? std::string(e.what()) : hint));
    // Point at the help of the (sub)command whose arguments were wrong.
    std::fprintf(stderr, "%sTry '%s --help'.\n", journal_prefix(kPriorityErr), where.c_str());
    return kExitFailure;
  }
  if (*run) return do_run(ra);
  if (*attach) return do_attach(aa);
  if (*check) return do_check(check_path);
  if (*learn) return do_learn(la);
  if (*promises) return do_promises(promise_names);
  if (*oci) return do_import_oci(ia);
  if (*completion) return do_completion(app, shell);
  return kExitFailure;
}
