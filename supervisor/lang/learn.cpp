#include "learn.hpp"

#include "policy_load.hpp"
#include "promises.hpp"

// Recording. Generalising a path is lang/learn_generalise.cpp, writing the policy
// lang/learn_write.cpp, --merge lang/learn_merge.cpp.

namespace xpledge {

Policy learning_policy() {
  return load_policy_string("version: 1\ndefault: allow\nabis: [x86_64, i386, x32]\n",
                            "<learn>");
}

// ---- recording ----------------------------------------------------------------------------

Learner::Learner(const Policy* base) : base_(base) {}

void Learner::on_call(const CallRecord& r) {
  try {
    if (r.call.nr < 0) return;
    // Refused while learning by something other than the policy (the supervisor's own guards,
    // the program's own xpledge()): it will be refused again, whatever the learned policy says.
    if ((r.action == Action::deny || r.action == Action::kill) && !r.would_deny) return;
    ++calls_;
    pids_.insert(r.pid);
    pids_.insert(r.tid);
    CallContext ctx{r.call, r.paths};
    ctx.tgid = r.pid;
    if (base_) {
      const Verdict v = base_->evaluate(ctx);
      if (v.action == Action::allow || v.action == Action::log) {
        ++skipped_by_base_;
        return;
      }
    }
    const PromiseCatalogue& cat = PromiseCatalogue::builtin();
    Shape s;
    s.abi = r.call.abi;
    s.nr = r.call.nr;
    for (std::size_t id = 0; id < cat.size() && id < 64; ++id) {
      PromiseSet one;
      one.add(id);
      if (cat.check(one, ctx, r.pid).allowed) s.promises |= std::uint64_t{1} << id;
    }
    for (const PathArg& p : r.paths) s.paths.push_back({p.path, p.access, p.err});
    shapes_.insert(std::move(s));
  } catch (...) {
    // Observers must not throw (the tracer's loop); only allocation can fail here.
  }
}

}  // namespace xpledge
