#include "cli.hpp"

#include <elf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string_view>

#include "builtin_prefilters.hpp"
#include "confine.hpp"
#include "exec_images.hpp"
#include "prefilter_key.hpp"
#include "stats.hpp"

namespace xpledge::cli {

namespace {

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

}  // namespace

std::vector<std::string> first_exec_files(const std::string& cmd) {
  std::vector<std::string> first_exec;
  for (std::string f = cmd.empty() ? "" : exec_target(cmd); !f.empty() && first_exec.size() < 3;
       f = exec_interpreter(f))
    first_exec.push_back(f);
  return first_exec;
}

xpledge::LandlockPlan landlock_plan(const xpledge::Policy& policy, bool enabled,
                                    const std::string& cmd) {
  return xpledge::plan_landlock(policy, xpledge::probe_confinement().landlock_abi, path_fact,
                                enabled, first_exec_files(cmd));
}

namespace {

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
  // A policy and plan with the key of the default or a shipped example (and its Landlock plans)
  // get the filter built for them at build time (unit_builtin_prefilters checks each is what
  // libseccomp makes of it now); otherwise Tracer::run builds it.
  if (use_seccomp) {
    opts.prefilter =
        xpledge::builtin_prefilter(xpledge::prefilter_key(*policy, opts.landlock));
    log->info(opts.prefilter.empty() ? "pre-filter: built at start-up (no built-in one has this "
                                       "policy's key)"
                                     : "pre-filter: built in");
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

}  // namespace

int do_run(const RunArgs& a) {
  return supervise(
      a.policy, a.log, !a.no_seccomp, a.permissive, a.stats,
      [&](const xpledge::TracerOptions& o) { return xpledge::run_supervised(a.cmd, o); },
      a.landlock.c_str(), a.cmd.empty() ? std::string() : a.cmd.front());
}


int do_attach(const AttachArgs& a) {
  // A running process cannot be given a pre-filter: attach is always pure ptrace.
  return supervise(a.policy, a.log, false, a.permissive, a.stats,
                   [&](const xpledge::TracerOptions& o) { return xpledge::attach_supervised(a.pid, o); });
}

}  // namespace xpledge::cli
