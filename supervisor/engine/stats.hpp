#pragma once
// --stats: a table of the calls that stopped in the supervisor and what became of them, printed
// at exit (like strace -c, without times). With the seccomp pre-filter, calls the policy allows
// outright never stop and are not counted; --no-seccomp counts every call.
#include <map>
#include <string>

#include "observer.hpp"

namespace xpledge {

class StatsObserver final : public CallObserver {
 public:
  void on_call(const CallRecord& r) override;
  std::string table() const;

 private:
  struct Row {
    unsigned long long calls = 0, denied = 0, killed = 0, logged = 0;
  };
  std::map<std::string, Row> rows_;  // "openat" or "[i386] open"
};

}  // namespace xpledge
