#include "audit_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdlib>
#include <ctime>
#include <fmt/format.h>
#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <stdexcept>

#include "decode.hpp"

namespace xpledge {

namespace {

// `%N`: syslog priority prefix for journald (<3> err, <4> warning, <5> notice, <6> info).
class PriorityFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    int prio = 6;
    switch (msg.level) {
      case spdlog::level::critical: prio = 2; break;
      case spdlog::level::err: prio = 3; break;
      case spdlog::level::warn: prio = 4; break;
      case spdlog::level::info: prio = 5; break;
      default: prio = 6;
    }
    const auto s = fmt::format("<{}>", prio);
    dest.append(s.data(), s.data() + s.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<PriorityFlag>();
  }
};

bool want_color(ColorMode mode) {
  if (mode == ColorMode::always) return true;
  if (mode == ColorMode::never) return false;
  const char* term = std::getenv("TERM");
  return isatty(STDERR_FILENO) && !std::getenv("NO_COLOR") &&
         !(term && std::string_view(term) == "dumb");
}

spdlog::level::level_enum level_of(Action a) {
  switch (a) {
    case Action::kill: return spdlog::level::err;
    case Action::deny: return spdlog::level::warn;
    case Action::log: return spdlog::level::info;
    case Action::allow: break;
  }
  return spdlog::level::debug;
}

std::string iso_now() {
  const auto now = std::chrono::system_clock::now();
  const auto secs = std::chrono::system_clock::to_time_t(now);
  const auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() %
      1000000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us);
}

}  // namespace

bool stderr_is_journal() {
  const char* js = std::getenv("JOURNAL_STREAM");
  if (!js) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(js, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st {};
  if (fstat(STDERR_FILENO, &st) != 0) return false;
  return st.st_dev == dev && st.st_ino == ino;
}

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  append_escaped(out, s, EscapeStyle::json);
  return out;
}

// A logger on `sink` with the journald priority prefix when `journal`, else colour markers.
std::shared_ptr<spdlog::logger> make_logger(const std::string& name, spdlog::sink_ptr sink,
                                            bool journal) {
  auto logger = std::make_shared<spdlog::logger>(name, std::move(sink));
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<PriorityFlag>('N');
  formatter->set_pattern(journal ? "%N%v" : "%^%v%$");
  logger->set_formatter(std::move(formatter));
  logger->set_level(spdlog::level::trace);
  logger->flush_on(spdlog::level::trace);
  return logger;
}

spdlog::level::level_enum spd_level(AuditLog::Level level) {
  switch (level) {
    case AuditLog::Level::error: return spdlog::level::err;
    case AuditLog::Level::warning: return spdlog::level::warn;
    case AuditLog::Level::info: break;
  }
  return spdlog::level::info;
}

std::string_view level_word(AuditLog::Level level) {
  switch (level) {
    case AuditLog::Level::error: return "error";
    case AuditLog::Level::warning: return "warning";
    case AuditLog::Level::info: break;
  }
  return "info";
}

AuditLog::AuditLog(const LogConfig& config) : config_(config) {
  spdlog::sink_ptr sink;
  bool journal = false;
  if (!config.file.empty()) {
    // Opened here first, for an honest error: spdlog's file sink would create missing
    // directories, so a misspelt --log-file would write its records somewhere nobody looks.
    const int fd = open(config.file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      const int e = errno;
      throw std::runtime_error("cannot open log file " + config.file + ": " + std::strerror(e) +
                               (e == ENOENT ? " (its directory is not created)" : ""));
    }
    close(fd);
    try {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(config.file, false);
    } catch (const spdlog::spdlog_ex& e) {
      throw std::runtime_error("cannot open log file " + config.file + ": " + e.what());
    }
  } else {
    journal = stderr_is_journal();
    const bool color = config.format == LogFormat::text && !journal && want_color(config.color);
    sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>(
        color ? spdlog::color_mode::always : spdlog::color_mode::never);
  }
  logger_ = make_logger("xpledge", sink, journal);
  const unsigned rate =
      config.record_rate.value_or(config.file.empty() ? kDefaultStderrRecordRate : 0);
  if (rate > 0) limiter_.emplace(rate, RecordLimiter::Clock::now());
  if (!config.file.empty()) {
    console_ = make_logger(
        "xpledge-stderr",
        std::make_shared<spdlog::sinks::stderr_color_sink_mt>(spdlog::color_mode::never),
        stderr_is_journal());
  }
}

AuditLog::~AuditLog() {
  try {
    flush_suppressed();
  } catch (...) {  // a destructor reports nothing more
  }
}

RecordLimiter::RecordLimiter(unsigned rate, Clock::time_point now)
    : rate_(rate), tokens_(rate), last_refill_(now), window_start_(now) {}

bool RecordLimiter::admit(const std::string& what, Clock::time_point now) {
  const double elapsed = std::chrono::duration<double>(now - last_refill_).count();
  tokens_ = std::min<double>(rate_, tokens_ + elapsed * rate_);
  last_refill_ = now;
  if (tokens_ >= 1) {
    tokens_ -= 1;
    return true;
  }
  ++suppressed_[what];
  return false;
}

std::optional<RecordLimiter::Summary> RecordLimiter::summary(Clock::time_point now,
                                                             std::chrono::seconds every,
                                                             bool final) {
  if (suppressed_.empty() || (!final && now - window_start_ < every)) return std::nullopt;
  Summary s;
  s.seconds = std::chrono::duration<double>(now - window_start_).count();
  for (const auto& [what, n] : suppressed_) {
    s.total += n;
    s.by_what.emplace_back(what, n);
  }
  std::stable_sort(s.by_what.begin(), s.by_what.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  suppressed_.clear();
  window_start_ = now;
  return s;
}

void AuditLog::write_summary(const RecordLimiter::Summary& s) {
  constexpr std::size_t kShown = 8;  // the most frequent kinds; the total counts them all
  std::string text, json;
  for (std::size_t i = 0; i < s.by_what.size() && i < kShown; ++i) {
    text += fmt::format("{}{} {}", i ? ", " : "", s.by_what[i].first, s.by_what[i].second);
    json += fmt::format(R"({}{{"what":"{}","count":{}}})", i ? "," : "",
                        json_escape(s.by_what[i].first), s.by_what[i].second);
  }
  if (s.by_what.size() > kShown) text += ", ...";
  const std::string line =
      config_.format == LogFormat::json
          ? fmt::format(R"({{"v":1,"time":"{}","event":"suppressed","count":{},"seconds":{:.1f},)"
                        R"("rate":{},"by":[{}]}})",
                        iso_now(), s.total, s.seconds, limiter_->rate(), json)
          : fmt::format("xpledge: warning: {} record{} suppressed in the last {:.1f}s (more than "
                        "{} a second; --log-rate-limit): {}",
                        s.total, s.total == 1 ? "" : "s", s.seconds, limiter_->rate(), text);
  logger_->warn("{}", line);
}

void AuditLog::flush_suppressed() {
  if (!limiter_) return;
  if (const auto s = limiter_->summary(RecordLimiter::Clock::now(), kSuppressedSummaryEvery, true))
    write_summary(*s);
}

// "deny", or under --permissive "would deny": the call ran, nothing was refused.
static std::string event_name(const AuditEvent& ev) {
  return (ev.permissive ? "would " : "") + std::string(action_name(ev.action));
}

std::string AuditLog::text_line(const AuditEvent& ev) const {
  std::string line = fmt::format("xpledge: {} pid={} comm={} {}", event_name(ev), ev.pid,
                                 ev.comm, ev.call_text);
  if (ev.tid != ev.pid) line = fmt::format("xpledge: {} pid={} tid={} comm={} {}",
                                           event_name(ev), ev.pid, ev.tid, ev.comm,
                                           ev.call_text);
  if (ev.action == Action::deny)
    line += ev.permissive ? fmt::format(" (-1 {} if enforced)", errno_name(ev.err))
                          : fmt::format(" = -1 {}", errno_name(ev.err));
  line += " rule=" + ev.rule;
  if (!ev.hint.empty()) line += " hint=\"" + ev.hint + "\"";
  return line;
}

std::string AuditLog::json_line(const AuditEvent& ev) const {
  std::string paths;
  for (const auto& p : ev.paths) paths += (paths.empty() ? "\"" : ",\"") + json_escape(p) + "\"";
  std::string line = fmt::format(
      R"({{"v":1,"time":"{}","event":"{}","pid":{},"tid":{},"comm":"{}","abi":"{}","nr":{},)"
      R"("syscall":"{}","call":"{}","paths":[{}],"action":"{}",)",
      iso_now(), ev.permissive ? "would_" + std::string(action_name(ev.action))
                               : std::string(action_name(ev.action)), ev.pid, ev.tid, json_escape(ev.comm), abi_name(ev.abi),
      ev.nr, json_escape(ev.syscall), json_escape(ev.call_text), paths, action_name(ev.action));
  if (ev.sockaddr)
    line += fmt::format(R"("sockaddr":{{"family":"{}","address":"{}","port":{}}},)",
                        json_escape(ev.sockaddr->family), json_escape(ev.sockaddr->address),
                        ev.sockaddr->has_port ? std::to_string(ev.sockaddr->port) : "null");
  line += ev.action == Action::deny ? fmt::format(R"("errno":"{}",)", errno_name(ev.err))
                                    : std::string(R"("errno":null,)");
  line += fmt::format(R"("rule":"{}","permissive":{})", json_escape(ev.rule),
                      ev.permissive ? "true" : "false");
  if (!ev.hint.empty()) line += fmt::format(R"(,"hint":"{}")", json_escape(ev.hint));
  return line + "}";
}

bool AuditLog::admit(const AuditEvent& ev) {
  ++records_;
  if (!limiter_) return true;
  const auto now = RecordLimiter::Clock::now();
  if (const auto s = limiter_->summary(now, kSuppressedSummaryEvery, false)) write_summary(*s);
  return limiter_->admit(event_name(ev) + " " + ev.syscall, now);
}

void AuditLog::record(const AuditEvent& ev) {
  const std::string line =
      config_.format == LogFormat::json ? json_line(ev) : text_line(ev);
  logger_->log(level_of(ev.action), "{}", line);
}

void AuditLog::emit(Level level, const std::string& text_line, const std::string& json_message) {
  const std::string line =
      config_.format == LogFormat::json
          ? fmt::format(R"({{"v":1,"time":"{}","event":"message","level":"{}","message":"{}"}})",
                        iso_now(), level_word(level), json_escape(json_message))
          : text_line;
  logger_->log(spd_level(level), "{}", line);
  if (console_ && level == Level::error) console_->log(spd_level(level), "{}", line);
}

void AuditLog::message(Level level, const std::string& msg) {
  emit(level,
       level == Level::info ? "xpledge: " + msg
                            : fmt::format("xpledge: {}: {}", level_word(level), msg),
       msg);
}

void AuditLog::message_line(Level level, const std::string& line,
                            const std::string& json_message) {
  emit(level, line, json_message.empty() ? line : json_message);
}

std::string AuditLog::render_child_message(Level level, const std::string& msg) const {
  // The child writes to stderr: with --log-file that is where errors are copied too.
  const bool journal = stderr_is_journal();
  const std::string prefix =
      journal ? fmt::format("<{}>", level == Level::error ? 3 : level == Level::warning ? 4 : 5)
              : std::string();
  if (config_.format == LogFormat::json)
    return prefix +
           fmt::format(R"({{"v":1,"time":"{}","event":"message","level":"{}","message":"{}"}})",
                       iso_now(), level_word(level), json_escape(msg)) +
           "\n";
  return prefix + "xpledge: " +
         (level == Level::info ? msg : fmt::format("{}: {}", level_word(level), msg)) + "\n";
}

void AuditLog::info(const std::string& msg) {
  if (config_.verbosity > 0) message(Level::info, msg);
}

}  // namespace xpledge
