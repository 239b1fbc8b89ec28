// The record rate limit without a kernel or a clock: a token bucket of `rate` records a second
// and the summary of what it suppressed (issue 20).
#include <doctest/doctest.h>

#include <chrono>

#include "audit_log.hpp"

using namespace xpledge;
using namespace std::chrono_literals;

TEST_CASE("RecordLimiter: a burst of `rate`, then `rate` a second; nothing suppressed is lost") {
  const auto t0 = RecordLimiter::Clock::time_point{} + 1000s;
  RecordLimiter lim(100, t0);
  int admitted = 0;
  for (int i = 0; i < 1000; ++i) admitted += lim.admit("deny getppid", t0);
  CHECK(admitted == 100);
  // Half a second later: 50 more tokens.
  admitted = 0;
  for (int i = 0; i < 1000; ++i) admitted += lim.admit(i % 2 ? "deny openat" : "kill ptrace", t0 + 500ms);
  CHECK(admitted == 50);
  // Not yet time for a summary (10 s windows), unless it is the final one.
  CHECK_FALSE(lim.summary(t0 + 5s, 10s, false).has_value());
  const auto s = lim.summary(t0 + 10s, 10s, false);
  REQUIRE(s.has_value());
  CHECK(s->total == 900 + 950);
  CHECK(s->seconds == doctest::Approx(10.0));
  REQUIRE(s->by_what.size() == 3);
  CHECK(s->by_what[0] == std::pair<std::string, unsigned long long>{"deny getppid", 900});
  CHECK(s->by_what[1].second == 475);
  // Reported once: the window starts again, empty.
  CHECK_FALSE(lim.summary(t0 + 30s, 10s, true).has_value());
  // The bucket never holds more than one second's worth, however long the pause.
  admitted = 0;
  for (int i = 0; i < 1000; ++i) admitted += lim.admit("deny getppid", t0 + 3600s);
  CHECK(admitted == 100);
  const auto last = lim.summary(t0 + 3601s, 10s, true);
  REQUIRE(last.has_value());
  CHECK(last->total == 900);
}
