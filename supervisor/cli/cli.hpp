#pragma once
// xpledge's command line: each command in its own file under cli/, the tree of commands and
// options in main.cpp. The only place that picks exit codes:
//   0..124  the child's own status    125  xpledge failed (usage, policy, ptrace unavailable)
//   126     CMD found, not executable 127  CMD not found       128+N  child killed by signal N
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "audit_log.hpp"
#include "landlock_plan.hpp"
#include "policy_load.hpp"
#include "tracer.hpp"

namespace CLI {
class App;
}

namespace xpledge::cli {

inline constexpr int kExitFailure = 125;

inline constexpr int kPriorityErr = 3;
inline constexpr int kPriorityWarning = 4;
inline constexpr int kPriorityNotice = 5;

// A syslog priority prefix ("<3>") when stderr is the journal, as AuditLog's records have;
// empty otherwise. Decided once.
const char* journal_prefix(int priority);
// xpledge's own messages where no log is open yet (usage, a policy or log that cannot be
// opened) or where there is none (check, promises, import): stderr, "xpledge: error: ...", with
// the journald priority of its first word. Once `run` or `attach` has its log, messages go
// through it instead (AuditLog::message), in the format asked for.
void say(const std::string& msg);
std::string uname_release();
// PTRACE_GET_SYSCALL_INFO and the seccomp-then-ptrace ordering we rely on need Linux 5.3.
bool kernel_supported();
// The loader's errors, one "file:line:col: error: ..." line each, then a summary; through `log`
// when there is one.
void print_policy_error(const xpledge::PolicyError& e, const std::string& name,
                        const char* consequence, xpledge::AuditLog* log = nullptr);
std::optional<xpledge::Policy> load_policy(const std::string& path,
                                           xpledge::AuditLog* log = nullptr);
std::optional<std::string> read_text_file(const std::string& path);

// Options shared by the commands that supervise a program (run, attach).
struct LogArgs {
  std::string log_file;
  std::string log_format = "text";
  std::string color = "auto";
  int verbose = 0;
  long rate_limit = -1;  // --log-rate-limit; -1: the sink's default
};
std::optional<xpledge::AuditLog> open_log(const LogArgs& a);
void add_log_options(CLI::App* cmd, LogArgs& a);
// The supervised program's fate as our exit status.
int exit_status(const xpledge::RunResult& r, xpledge::AuditLog& log);

// What of the policy's path rules the running kernel holds (none under --landlock=off, and none
// under --permissive, which must refuse nothing). `cmd`: what xpledge will exec itself; the
// kernel must be able to read it, its interpreter and that one's (a script's interpreter).
xpledge::LandlockPlan landlock_plan(const xpledge::Policy& policy, bool enabled,
                                    const std::string& cmd = {});
// Those files: the program execvp(3) finds for `cmd`, then its interpreters (at most three).
std::vector<std::string> first_exec_files(const std::string& cmd);

struct RunArgs {
  std::string policy;
  LogArgs log;
  bool no_seccomp = false;
  std::string landlock = "on";  // --landlock: hand the path allow-list to the kernel
  bool permissive = false;
  bool stats = false;
  std::vector<std::string> cmd;
};
int do_run(const RunArgs& a);

struct AttachArgs {
  pid_t pid = 0;
  std::string policy;
  LogArgs log;
  bool permissive = false;
  bool stats = false;
};
int do_attach(const AttachArgs& a);

int do_check(const std::string& path);

struct LearnArgs {
  std::string output;
  std::string merge;
  std::string base;
  std::vector<std::string> cmd;
};
int do_learn(const LearnArgs& a);

int do_promises(const std::vector<std::string>& names);

struct ImportOciArgs {
  std::string file;
  std::vector<std::string> caps;
  std::string kernel;  // empty: the running kernel's release
};
int do_import_oci(const ImportOciArgs& a);

int do_completion(const CLI::App& app, const std::string& shell);

// After a parse error: the first word of argv the command line does not know, said with a hint
// ("unknown command 'chek' (did you mean 'check'?)"); empty when every word is known (the error
// is about something else: a missing value, a bad choice). Walks argv as CLI11 does: options
// before the first positional, a subcommand name where one is required, then CMD.
std::string unknown_word_hint(const CLI::App& app, int argc, char** argv, std::string& where);

}  // namespace xpledge::cli
