#pragma once
// The seccomp-bpf pre-filter: calls the policy allows whatever their arguments run at full speed
// (SECCOMP_RET_ALLOW); everything else (conditional rules, deny/kill/log, SYS_xpledge, unknown
// numbers, other ABIs) stops in the supervisor (SECCOMP_RET_TRACE). Built with libseccomp.
#include <seccomp.h>

#include <memory>
#include <string>
#include <vector>

#include "policy.hpp"

namespace xpledge {

struct FilterDeleter {
  void operator()(void* ctx) const { seccomp_release(static_cast<scmp_filter_ctx>(ctx)); }
};
using FilterPtr = std::unique_ptr<void, FilterDeleter>;

struct PrefilterStats {
  int allowed = 0;  // (abi, nr) pairs that never stop
};

struct LandlockPlan;

// Everything build_prefilter asks of a policy (and of the Landlock plan it is built with): per
// ABI whether it is allowed; per call whether it runs whatever its arguments, and otherwise the
// register tests under which it does. The filter is these answers turned into libseccomp rules,
// so prefilter_key (prefilter_key.hpp) records them and nothing else.
class PrefilterQuestions {
 public:
  // Both must outlive this.
  PrefilterQuestions(const Policy& policy, const LandlockPlan* landlock);
  bool abi_allowed(Abi abi) const;
  bool allows(Abi abi, std::int64_t nr) const;
  ArgAlternatives grants(Abi abi, std::int64_t nr) const;

 private:
  bool judges_mapping(Abi abi, std::int64_t nr) const;
  const Policy& policy_;
  const LandlockPlan* landlock_;
  bool exec_rules_;
};

// Built and exported to raw `struct sock_filter` bytes in the supervisor before fork, so the
// child only makes two system calls before exec (PR_SET_NO_NEW_PRIVS, seccomp): generating the
// program there (seccomp_load) cost ~80 copy-on-write page faults, ~15% of a short run's
// start-up. Empty and `error` set on failure.
// `landlock`: calls the kernel's Landlock domain decides by itself (landlock_plan.hpp) are
// allowed too, under the plan's register conditions.
std::vector<unsigned char> build_prefilter(const Policy& policy, std::string& error,
                                           PrefilterStats* stats = nullptr,
                                           const LandlockPlan* landlock = nullptr);

// `xpledge check`: per x86-64 open call, which open classes (read, write, create) the
// pre-filter built with `landlock` lets run without a stop, found by running its register
// tests on flags of each class.
std::string describe_prefilter_opens(const Policy& policy, const LandlockPlan* landlock);

}  // namespace xpledge

namespace xpledge {

class PromiseCatalogue;
class PromiseSet;

// The stacked filter a process installs when it narrows with xpledge(): RET_ALLOW for calls the
// promise set allows whatever their arguments, RET_TRACE for the rest. Filters only ever add
// restrictions and TRACE outranks ALLOW, so the supervisor keeps the final word (execpromises
// wider than the promises still work after exec: those calls stop and are allowed).
// Raw `struct sock_filter` bytes; empty and `error` set on failure.
std::vector<unsigned char> build_pledge_filter(const PromiseCatalogue& catalogue,
                                               const PromiseSet& set, std::string& error);

// The filter stacked (TSYNC) into a process at its first xunveil() in seccomp mode: RET_TRACE
// for every call that names a path, so the supervisor's unveil table judges it as in
// --no-seccomp mode; RET_ALLOW otherwise (the filters below still decide those). It stays in
// the kernel across fork and exec. Raw `struct sock_filter` bytes; empty and `error` on failure.
std::vector<unsigned char> build_unveil_filter(std::string& error);

}  // namespace xpledge
