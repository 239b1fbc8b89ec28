#pragma once
// Records of decisions (deny, kill, log) and the supervisor's own messages, as text lines
// ("xpledge: deny pid=... comm=... openat(...) = -1 EPERM rule=...") or JSON Lines, through
// spdlog. Every record is flushed at once: a crash or SIGKILL loses nothing already decided.
#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "abi.hpp"
#include "decode.hpp"
#include "policy.hpp"

namespace spdlog { class logger; }

namespace xpledge {

enum class LogFormat { text, json };
enum class ColorMode { automatic, always, never };

// Records on stderr (a terminal, the journal) are limited by default: a program refused in a
// loop must not bury everything else; a --log-file keeps every record unless a limit is asked.
inline constexpr unsigned kDefaultStderrRecordRate = 200;  // records a second, burst as many
inline constexpr std::chrono::seconds kSuppressedSummaryEvery{10};

struct LogConfig {
  LogFormat format = LogFormat::text;
  std::string file;  // empty: stderr
  ColorMode color = ColorMode::automatic;
  int verbosity = 0;
  // Records a second (and the burst allowed); 0 = no limit. nullopt: the default for the sink
  // (kDefaultStderrRecordRate on stderr, no limit for a file).
  std::optional<unsigned> record_rate;
};

// The rate limit's bookkeeping: a token bucket and the records it suppressed, by what they
// were. Pure (the clock is passed in), unit-tested.
class RecordLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  RecordLimiter(unsigned rate, Clock::time_point now);
  // May this record be written? If not it is counted under `what` ("deny getppid").
  bool admit(const std::string& what, Clock::time_point now);
  // Suppressed records to report: when some were suppressed and `every` has passed since the
  // last report (or `final`, at the end). Empty when there is nothing to say.
  struct Summary {
    unsigned long long total = 0;
    double seconds = 0;
    std::vector<std::pair<std::string, unsigned long long>> by_what;  // most first
  };
  std::optional<Summary> summary(Clock::time_point now, std::chrono::seconds every, bool final);
  unsigned rate() const { return rate_; }

 private:
  unsigned rate_;
  double tokens_;
  Clock::time_point last_refill_;
  Clock::time_point window_start_;
  std::map<std::string, unsigned long long> suppressed_;
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
  std::optional<SockAddr> sockaddr;  // connect, bind, sendto: the address, decoded
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

  // Whether a record of this kind (ev's permissive, action and syscall; nothing else is read)
  // is written, or counted as suppressed by the rate limit. Asked before the record is built:
  // a suppressed one costs no tracee memory read, no /proc read, no formatting.
  bool admit(const AuditEvent& ev);
  // Writes a record that admit() let through.
  void record(const AuditEvent& ev);
  // Writes the summary of records the rate limit suppressed, if any (the destructor does too).
  void flush_suppressed();
  // xpledge's own messages, through the same sink and format as the records: text
  // "xpledge: error: ..." (with a journald priority when stderr is the journal) or a JSON
  // object {"event":"message","level":"error","message":...}. With --log-file, errors are also
  // written to stderr (in the same format), so a service that fails says why in its journal.
  enum class Level { info, warning, error };
  void message(Level level, const std::string& msg);
  // A line that is already complete in text form ("p.yaml:3:5: error: ..."): no "xpledge: "
  // prefix in text; in JSON, the line is the message.
  // `json_message` replaces the line as the JSON message when given.
  void message_line(Level level, const std::string& line, const std::string& json_message = {});
  void warn(const std::string& msg) { message(Level::warning, msg); }
  void error(const std::string& msg) { message(Level::error, msg); }
  void info(const std::string& msg);  // only with -v
  // A message from the forked child before exec (no logger there: spdlog's mutex may be held
  // by another thread at fork): rendered in the log's format, with the journald prefix, for a
  // plain write(2) to stderr. Called in the forked child between fork and exec, where it only
  // formats strings (glibc's malloc is safe after fork) and asks getenv/fstat whether stderr
  // is the journal.
  std::string render_child_message(Level level, const std::string& msg) const;
  int verbosity() const { return config_.verbosity; }
  // JSON records carry the decoded socket address as a field of its own; text ones only in the
  // call's text.
  bool wants_sockaddr() const { return config_.format == LogFormat::json; }
  unsigned long long records() const { return records_; }

 private:
  std::string text_line(const AuditEvent& ev) const;
  std::string json_line(const AuditEvent& ev) const;

  void emit(Level level, const std::string& text_line, const std::string& json_message);
  void write_summary(const RecordLimiter::Summary& s);

  LogConfig config_;
  std::shared_ptr<spdlog::logger> logger_;
  std::shared_ptr<spdlog::logger> console_;  // with --log-file: errors also on stderr
  unsigned long long records_ = 0;
  std::optional<RecordLimiter> limiter_;
};

std::string json_escape(std::string_view s);
// True when stderr is the journal (JOURNAL_STREAM names stderr's device:inode).
bool stderr_is_journal();

}  // namespace xpledge
