#pragma once
// Records of decisions (deny, kill, log) and the supervisor's own messages, as text lines
// ("xpledge: deny pid=... comm=... openat(...) = -1 EPERM rule=...") or JSON Lines, through
// spdlog. Every record is flushed at once: a crash or SIGKILL loses nothing already decided.
#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "abi.hpp"
#include "policy.hpp"

namespace spdlog { class logger; }

namespace xpledge {

enum class LogFormat { text, json };
enum class ColorMode { automatic, always, never };

struct LogConfig {
  LogFormat format = LogFormat::text;
  std::string file;  // empty: stderr
  ColorMode color = ColorMode::automatic;
  int verbosity = 0;
};

struct AuditEvent {
  Action action = Action::deny;
  pid_t pid = 0;
  pid_t tid = 0;
  std::string comm;
  Abi abi = Abi::x86_64;
  std::int64_t nr = -1;
  std::string syscall;    // name
  std::string call_text;  // decoded, strace-like
  std::vector<std::string> paths;
  int err = 0;            // deny: errno returned
  std::string rule;       // RuleRef::describe()
  std::string hint;       // "-v": what would allow it
  bool permissive = false;  // --permissive: refused by the policy, but let through
};

class AuditLog {
 public:
  // Opens the log file (O_APPEND) before the child exists, so the child cannot reach it. Throws
  // std::runtime_error on failure (configuration boundary).
  explicit AuditLog(const LogConfig& config);
  ~AuditLog();

  void record(const AuditEvent& ev);
  // Supervisor's own messages, "xpledge: ..." on stderr (and in the log file).
  void warn(const std::string& msg);
  void error(const std::string& msg);
  void info(const std::string& msg);  // only with -v
  int verbosity() const { return config_.verbosity; }
  unsigned long long records() const { return records_; }

 private:
  std::string text_line(const AuditEvent& ev) const;
  std::string json_line(const AuditEvent& ev) const;

  LogConfig config_;
  std::shared_ptr<spdlog::logger> logger_;
  unsigned long long records_ = 0;
};

std::string json_escape(std::string_view s);
// True when stderr is the journal (JOURNAL_STREAM names stderr's device:inode).
bool stderr_is_journal();

}  // namespace xpledge
