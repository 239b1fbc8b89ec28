#include "call_kinds.hpp"

#include <linux/limits.h>
#include <sys/prctl.h>

#include "syscalls.hpp"

namespace xpledge::engine {

// seccomp(2) on any ABI: what installs filters for other threads too (TSYNC).
bool is_seccomp_call(const Syscall& call) {
  static const CallNumbers seccomp("seccomp");
  return seccomp.is(call);
}

bool installs_own_filter(const Syscall& call) {
  static const CallNumbers prctl("prctl");
  return is_seccomp_call(call) || (prctl.is(call) && (call.args[0] & 0xffffffff) == PR_SET_SECCOMP);
}

// The calls that open a file by path (their result is a descriptor for the object).
bool is_open_call(std::string_view name) {
  return name == "open" || name == "openat" || name == "openat2" || name == "creat";
}

// May the call be pointed at the resolved path instead of the bytes it gave? Only a plain path
// (path_walk.hpp) for a call whose last component is a name, not "." or ".." or a trailing
// slash (rmdir("d/.") must stay EINVAL), and never for exec (the interpreter of a script gets
// the path as given).
bool pin_resolved(const PathArg& p, std::string_view call_name) {
  if (!p.plain || p.err || p.path.size() >= PATH_MAX || p.raw.empty() || p.raw.back() == '/')
    return false;
  if (call_name == "execve" || call_name == "execveat" || call_name == "uselib") return false;
  const auto slash = p.raw.rfind('/');
  const std::string_view last =
      slash == std::string::npos ? std::string_view(p.raw) : std::string_view(p.raw).substr(slash + 1);
  return last != "." && last != "..";
}

// clone3(2) on any ABI (guard.hpp CloneArgs).
bool is_clone3_call(const Syscall& call) {
  static const CallNumbers clone3("clone3");
  return clone3.is(call);
}

}  // namespace xpledge::engine
