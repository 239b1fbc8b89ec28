// The stop's facts (facts.hpp): the name and signature looked up once.
#include "facts.hpp"

namespace xpledge::engine {

const std::string& CallName::name() const {
  if (!name_) name_ = syscall_name(abi_, nr_);
  return *name_;
}

const SyscallSig* CallName::sig() const {
  if (!sig_) sig_ = syscall_sig(name());
  return *sig_;
}

}  // namespace xpledge::engine
