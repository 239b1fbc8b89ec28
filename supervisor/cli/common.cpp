#include "cli.hpp"

#include "rule_binding.hpp"

#include <sys/utsname.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <iterator>

namespace xpledge::cli {

const char* journal_prefix(int priority) {
  static const bool journal = xpledge::stderr_is_journal();
  static const char* const kPrefixes[] = {"<0>", "<1>", "<2>", "<3>", "<4>", "<5>", "<6>", "<7>"};
  return journal ? kPrefixes[priority & 7] : "";
}

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

bool kernel_supported() {
  const std::string release = uname_release();
  int major = 0, minor = 0;
  if (std::sscanf(release.c_str(), "%d.%d", &major, &minor) != 2) return true;
  if (major > 5 || (major == 5 && minor >= 3)) return true;
  say(fmt::format("error: Linux {} is too old: xpledge needs 5.3 or newer "
                  "(PTRACE_GET_SYSCALL_INFO)", release));
  return false;
}

void print_policy_error(const xpledge::PolicyError& e, const std::string& name,
                        const char* consequence, xpledge::AuditLog* log) {
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

std::optional<xpledge::Policy> load_policy(const std::string& path, xpledge::AuditLog* log) {
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

}  // namespace xpledge::cli
