// engine/decide.hpp without a kernel: fake facts (a call, its paths, the guard's inputs) and a
// process's pledge and unveil state in, a verdict and its effects out.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sched.h>
#include <csignal>

#include <cerrno>
#include <string>
#include <vector>

#include "decide.hpp"
#include "policy_load.hpp"
#include "syscalls.hpp"

using namespace xpledge;
using namespace xpledge::engine;

namespace {

constexpr pid_t kSup = 1000, kSupGroup = 900, kCaller = 2000;

Syscall call(const char* name, std::array<std::uint64_t, 6> args = {}) {
  const auto nr = syscall_nr(Abi::x86_64, name);
  REQUIRE(nr);
  return Syscall{Abi::x86_64, *nr, args};
}

// The guard's inputs as Tracer::guard_context gathers them: the caller in group `pgid`, with
// `threads` threads the tracer knows of.
GuardContext guard(pid_t pgid = 0, int threads = 1) {
  return GuardContext{kSup, kSupGroup, kCaller, pgid, threads, 0, -1};
}

const Policy& allow_all() {
  static const Policy p = load_policy_string("version: 1\ndefault: allow\n", "allow_all.yaml");
  return p;
}

struct World {
  const Policy& policy = allow_all();
  PledgeState pledge;
  UnveilState unveil;
  bool verbose = false;
  Judge judge() const {
    return Judge{policy, PromiseCatalogue::builtin(), pledge, unveil, verbose};
  }
  Decision decide(const Syscall& c, const std::vector<PathArg>& paths = {},
                  GuardContext g = guard(), const PathArg* sock_path = nullptr) const {
    const CallName named(c);
    return decide_call(judge(), CallFacts{c, paths, g, named, nullptr, sock_path});
  }
};

std::string rule(const Decision& d) { return d.verdict.rule ? d.verdict.rule->describe() : "?"; }

PromiseArg text(const char* s) { return PromiseArg{false, s, 0}; }

}  // namespace

TEST_CASE("decide: a policy that allows everything lets an ordinary call run") {
  World w;
  const Decision d = w.decide(call("getpid"));
  CHECK(runs(d.verdict));
  CHECK_FALSE(d.guarded);
  CHECK(d.strip_untraced == nullptr);
}

TEST_CASE("decide: setpgid into the supervisor's group while another thread could race it") {
  // Issue 15's review: a process already in our group naming it for itself changes nothing, but
  // only while it has one thread; a second thread could move it out and back between our check
  // and the kernel's delivery of a later kill(0, SIGSTOP). The count is the tracer's, passed in
  // the guard's inputs: a decision made without it (0 threads, a default) must not allow it.
  World w;
  const Syscall c = call("setpgid", {0, kSupGroup});
  CHECK(runs(w.decide(c, {}, guard(kSupGroup, 1)).verdict));
  for (const int threads : {2, 0}) {
    CAPTURE(threads);
    const Decision d = w.decide(c, {}, guard(kSupGroup, threads));
    CHECK(d.verdict.action == Action::deny);
    CHECK(d.verdict.err == EPERM);
    CHECK(d.guarded);
    CHECK(rule(d).find("guard:") == 0);
    // --permissive observes refusals of the policy; a guard's holds.
    CHECK_FALSE(permissive_lets_run(d, true));
  }
  // From outside our group, one thread or many: refused.
  CHECK_FALSE(runs(w.decide(c, {}, guard(kSupGroup + 5, 1)).verdict));
}

TEST_CASE("decide: a guard refusal outranks pledge, and CLONE_UNTRACED is an effect, not a refusal") {
  World w;
  const Decision d = w.decide(call("kill", {kSup, SIGTERM}));
  CHECK(d.verdict.action == Action::deny);
  CHECK(d.guarded);
  const Decision c = w.decide(call("clone", {CLONE_UNTRACED | SIGCHLD}));
  CHECK(runs(c.verdict));
  REQUIRE(c.strip_untraced != nullptr);
  CHECK(c.strip_untraced->describe() == "guard:clone-untraced");
  CHECK_FALSE(c.guarded);
}

TEST_CASE("decide: pledge transitions narrow what runs, with a hint that names the promise") {
  World w;
  CHECK(runs(w.decide(call("socket", {2, 1, 0})).verdict));  // never pledged: the policy alone
  REQUIRE(apply_pledge(w.pledge, text("stdio"), PromiseArg{}, PromiseCatalogue::builtin()).err ==
          0);
  CHECK(runs(w.decide(call("getpid")).verdict));
  const Decision d = w.decide(call("socket", {2, 1, 0}));
  CHECK_FALSE(runs(d.verdict));
  CHECK(rule(d).find("pledge") == 0);
  CHECK(d.hint.find("socket needs") == 0);
  // Pledge refusals are the program's, not the supervisor's: --permissive lets them run.
  CHECK(permissive_lets_run(d, true));
  CHECK_FALSE(permissive_lets_run(d, false));
  // Widening is refused: the state stays "stdio".
  CHECK(apply_pledge(w.pledge, text("stdio inet"), PromiseArg{}, PromiseCatalogue::builtin()).err ==
        EPERM);
  CHECK_FALSE(runs(w.decide(call("socket", {2, 1, 0})).verdict));
  // An exec starts the next image unpledged when no execpromises were set.
  pledge_on_exec(w.pledge);
  CHECK(runs(w.decide(call("socket", {2, 1, 0})).verdict));
}

TEST_CASE("decide: execpromises apply at exec, not before") {
  World w;
  REQUIRE(apply_pledge(w.pledge, PromiseArg{}, text("stdio"), PromiseCatalogue::builtin()).err == 0);
  CHECK(runs(w.decide(call("socket", {2, 1, 0})).verdict));
  pledge_on_exec(w.pledge);
  CHECK_FALSE(runs(w.decide(call("socket", {2, 1, 0})).verdict));
}

TEST_CASE("decide: unveil hides what was not unveiled, by the name and by what it reaches") {
  World w;
  const Syscall open_call = call("openat", {static_cast<std::uint64_t>(AT_FDCWD), 0, O_RDONLY});
  PathArg etc = PathArg::of("/etc/passwd", Access::read);
  CHECK(runs(w.decide(open_call, {etc}).verdict));
  REQUIRE(apply_unveil(w.unveil, std::string("/tmp"), std::string("r")).err == 0);
  const Decision d = w.decide(open_call, {etc});
  CHECK(d.verdict.action == Action::deny);
  CHECK(d.verdict.err == ENOENT);
  CHECK(rule(d) == "unveil");
  PathArg tmp = PathArg::of("/tmp/x", Access::read);
  CHECK(runs(w.decide(open_call, {tmp}).verdict));
  // A name under /tmp that reaches /etc (a symlink): what it reaches must be unveiled too.
  tmp.literal = "/tmp/x";
  tmp.path = "/etc/passwd";
  CHECK_FALSE(runs(w.decide(open_call, {tmp}).verdict));
}

TEST_CASE("decide: unveiled, a call that reaches files by no checked path is refused") {
  // Named by the policy, so that the guard leaves them to it (guard:unchecked-io otherwise).
  static const Policy named = load_policy_string(
      "version: 1\ndefault: allow\nallow:\n  - open_by_handle_at\n  - io_uring_setup\n"
      "  - io_uring_enter\n  - pidfd_getfd\n",
      "named.yaml");
  World w{named};
  const Syscall handle = call("open_by_handle_at", {3, 0x1000, O_RDONLY});
  const Syscall ring = call("io_uring_setup", {4, 0x1000});
  const Syscall enter = call("io_uring_enter", {5, 1, 0, 0, 0, 0});
  const Syscall getfd = call("pidfd_getfd", {3, 4, 0});
  CHECK(runs(w.decide(ring).verdict));  // nothing unveiled: the policy's (and guard's) answer
  REQUIRE(apply_unveil(w.unveil, std::string("/tmp"), std::string("rwc")).err == 0);
  for (const Syscall& c : {handle, ring, enter, getfd}) {
    const Decision d = w.decide(c);
    CHECK(d.verdict.action == Action::deny);
    CHECK(d.verdict.err == EACCES);
    CHECK(rule(d) == "unveil");
  }
  // A descriptor's own file (AT_EMPTY_PATH) is no lookup, but an exec of it is: it needs `x`.
  PathArg own = PathArg::of("/etc/passwd", Access::read);
  own.raw.clear();
  CHECK(runs(w.decide(call("newfstatat", {3, 0, 0, 0x1000}), {own}).verdict));
  PathArg image = PathArg::of("/usr/bin/true", Access::exec);
  image.raw.clear();
  const Decision fexec = w.decide(call("execveat", {3, 0, 0, 0, 0x1000}), {image});
  CHECK(fexec.verdict.err == ENOENT);
  CHECK(rule(fexec) == "unveil");
  image.path = "/tmp/prog";
  CHECK(w.decide(call("execveat", {3, 0, 0, 0, 0x1000}), {image}).verdict.err == EACCES);
}

TEST_CASE("decide: -v explains a refusal of the policy with what would allow it") {
  World w;
  static const Policy deny = load_policy_string("version: 1\ndefault: allow\ndeny:\n  - socket\n", "deny.yaml");
  World v{deny};
  v.verbose = true;
  const Decision d = v.decide(call("socket", {2, 1, 0}));
  CHECK_FALSE(runs(d.verdict));
  CHECK_FALSE(d.guarded);
  CHECK(d.hint.find("socket needs ") == 0);
  v.verbose = false;
  CHECK(v.decide(call("socket", {2, 1, 0})).hint.empty());
}

namespace {

PromiseSet set_of(const char* promises) {
  const auto s = PromiseCatalogue::builtin().parse(promises, nullptr);
  REQUIRE(s);
  return *s;
}

struct Xpledge {
  PledgeState now;
  std::optional<PromiseSet> kernel;
  XpledgeFacts facts(const char* promises, bool seccomp_stop) const {
    return XpledgeFacts{now, text(promises), PromiseArg{}, false, false, 0, 0, false, kernel,
                        seccomp_stop};
  }
};

}  // namespace

TEST_CASE("decide: SYS_xpledge commits, stacks a filter, or refuses") {
  const auto& cat = PromiseCatalogue::builtin();
  Xpledge x;
  // Pure ptrace: every call stops, the pledge commits at once.
  XpledgePlan p = plan_xpledge(cat, x.facts("stdio rpath", false));
  CHECK(p.step == XpledgePlan::Step::commit);
  REQUIRE(p.next.promises);
  CHECK(*p.next.promises == set_of("stdio rpath"));
  // Seccomp mode: calls outside the promises would run unseen, so a filter narrows the kernel.
  p = plan_xpledge(cat, x.facts("stdio rpath", true));
  CHECK(p.step == XpledgePlan::Step::stack_filter);
  CHECK(p.in_filter == set_of("stdio rpath"));
  // ... unless the filters already stacked allow no more than the new promises.
  x.now.promises = set_of("stdio rpath");
  x.kernel = set_of("stdio");
  CHECK(plan_xpledge(cat, x.facts("stdio", true)).step == XpledgePlan::Step::commit);
  // Widening is refused, nothing changes.
  p = plan_xpledge(cat, x.facts("stdio rpath inet", true));
  CHECK(p.step == XpledgePlan::Step::refuse);
  CHECK(p.err == EPERM);
}

TEST_CASE("decide: SYS_xpledge narrowing with Landlock nests first, and fails if nesting failed") {
  const auto& cat = PromiseCatalogue::builtin();
  Xpledge x;
  XpledgeFacts f = x.facts("stdio", true);
  f.landlock_nesting = true;
  CHECK(plan_xpledge(cat, f).step == XpledgePlan::Step::nest_first);
  // Nested one level ahead of its process: the narrowing goes on, and commits that level.
  f.thread_nest_level = 1;
  XpledgePlan p = plan_xpledge(cat, f);
  CHECK(p.step == XpledgePlan::Step::stack_filter);
  CHECK(p.commit_level == 1);
  CHECK(p.in_filter == set_of("stdio"));
  // Other threads must still nest: until they have, the kernel lets nothing run unseen.
  f.multithreaded = true;
  CHECK(plan_xpledge(cat, f).in_filter == PromiseSet{});
  // The chain did not nest it: xpledge fails with EPERM, once.
  f.nest_failed = true;
  p = plan_xpledge(cat, f);
  CHECK(p.step == XpledgePlan::Step::refuse);
  CHECK(p.err == EPERM);
  CHECK(p.clears_nest_failed);
}

TEST_CASE("decide: path pinning, how an allowed open is changed and what its exit checks") {
  const SyscallSig* openat = syscall_sig("openat");
  const SyscallSig* renameat = syscall_sig("renameat");
  REQUIRE(openat);
  REQUIRE(renameat);
  PathArg p = PathArg::of("/tmp/x", Access::write);
  p.plain = true;
  const Syscall trunc = call("openat", {static_cast<std::uint64_t>(AT_FDCWD), 0,
                                        O_WRONLY | O_TRUNC});
  // A plain path, no filters of the program's own: an openat2 without symlinks, not checked at
  // exit (the kernel cannot be led elsewhere).
  OpenPlan o = plan_open(false, trunc, *openat, p);
  CHECK(o.how);
  CHECK_FALSE(o.truncate_at_exit);
  CHECK_FALSE(exit_check_for(trunc, *openat, std::span(&p, 1), true, false, false));
  // Filters of its own: the open stays an open; O_TRUNC waits for the exit check, and
  // O_NOFOLLOW keeps a symlink swapped into the last component from leading it elsewhere.
  o = plan_open(true, trunc, *openat, p);
  CHECK_FALSE(o.how);
  CHECK(o.truncate_at_exit);
  CHECK(o.nofollow_at_exit);
  const auto c = exit_check_for(trunc, *openat, std::span(&p, 1), false, true, false);
  REQUIRE(c);
  CHECK(c->open);
  CHECK(c->truncate);
  // Not a plain path (through /proc, say): no O_NOFOLLOW, still checked at exit.
  p.plain = false;
  CHECK_FALSE(plan_open(true, trunc, *openat, p).nofollow_at_exit);
  // A rename is checked at exit only under the move guard, for an object that exists.
  std::vector<PathArg> move{PathArg::of("/a", Access::write), PathArg::of("/b", Access::write)};
  const Syscall rn = call("renameat");
  CHECK_FALSE(exit_check_for(rn, *renameat, move, false, false, true));
  move[0].id = FileId{1, 2};
  CHECK_FALSE(exit_check_for(rn, *renameat, move, false, false, false));
  const auto m = exit_check_for(rn, *renameat, move, false, false, true);
  REQUIRE(m);
  CHECK(m->dest == "/b");
  CHECK_FALSE(m->open);
}

namespace {

SyscallStopInfo stop(SyscallOp op, const Syscall& c, std::uint64_t ip) {
  SyscallStopInfo s;
  s.op = op;
  s.abi = c.abi;
  s.call = c;
  s.ip = ip;
  return s;
}

// A chain between two steps: its next step (landlock_create_ruleset) reissued from `kIp`.
ThreadState::NestChain chain_between_steps(bool blocked, bool for_xpledge) {
  ThreadState::NestChain c;
  c.ip = 0x401000;
  c.expect_nr = *syscall_nr(Abi::x86_64, "landlock_create_ruleset");
  c.expect_a0 = 0x7ff000;
  c.ours_in_flight = false;
  c.blocked = blocked;
  c.for_xpledge = for_xpledge;
  return c;
}

}  // namespace

TEST_CASE("decide: a thread behind its process's narrowing nests before its next call runs") {
  // Not behind, inside a chain already, or no Landlock: nothing to catch up.
  CHECK(catch_up(false, 1, 1, true, true, false) == CatchUp::none);
  CHECK(catch_up(true, 0, 1, true, true, false) == CatchUp::none);
  CHECK(catch_up(false, 0, 1, false, true, false) == CatchUp::none);
  // Behind: it nests now; an i386 call cannot carry the injected x86-64 chain (refused, EAGAIN);
  // while an injection or seccomp() is in flight its filter count is not ours alone: parked.
  CHECK(catch_up(false, 0, 1, true, true, false) == CatchUp::nest);
  CHECK(catch_up(false, 0, 2, true, false, false) == CatchUp::refuse);
  CHECK(catch_up(false, 0, 1, true, true, true) == CatchUp::park);
}

TEST_CASE("decide: inside a nesting chain only the reissued step is ours (issue 15)") {
  const std::uint64_t ip = 0x401000;
  const Syscall step = call("landlock_create_ruleset", {0x7ff000, 24, 0});
  SUBCASE("the reissued step, and its exit, are the chain's") {
    auto c = chain_between_steps(false, true);
    CHECK(classify_nest_stop(c, stop(SyscallOp::entry, step, ip), false, 1, 0) == NestStop::ours);
    CHECK(c.ours_in_flight);
  }
  SUBCASE("a signal handler's openat between two steps is the thread's own: judged, never ours") {
    // Issue 15's first hole: such a call was taken for the chain's and ran unchecked.
    auto c = chain_between_steps(false, true);
    const Syscall open = call("openat", {static_cast<std::uint64_t>(AT_FDCWD), 0x1000, 0});
    CHECK(classify_nest_stop(c, stop(SyscallOp::entry, open, 0x402000), false, 1, 0) ==
          NestStop::judge);
    CHECK(c.foreign_in_flight);
    // Its exit and any stop until then are not the chain's either.
    CHECK(classify_nest_stop(c, stop(SyscallOp::entry, step, ip), false, 1, 0) ==
          NestStop::judge);
  }
  SUBCASE("the step's number from another instruction, or another first argument, is not ours") {
    auto c = chain_between_steps(false, true);
    CHECK(classify_nest_stop(c, stop(SyscallOp::entry, step, ip + 16), false, 1, 0) !=
          NestStop::ours);
    auto d = chain_between_steps(false, true);
    const Syscall other = call("landlock_create_ruleset", {0x1234, 24, 0});
    CHECK(classify_nest_stop(d, stop(SyscallOp::entry, other, ip), false, 1, 0) !=
          NestStop::ours);
  }
  SUBCASE("seccomp mode: the thread's own call is judged at its seccomp stop") {
    auto c = chain_between_steps(false, true);
    const Syscall open = call("openat", {static_cast<std::uint64_t>(AT_FDCWD), 0x1000, 0});
    CHECK(classify_nest_stop(c, stop(SyscallOp::entry, open, 0x402000), true, 1, 0) ==
          NestStop::to_seccomp_stop);
  }
  SUBCASE("refused: a thread catching up, and calls that need an injection of their own") {
    const Syscall open = call("openat", {static_cast<std::uint64_t>(AT_FDCWD), 0x1000, 0});
    auto catching_up = chain_between_steps(false, false);
    CHECK(classify_nest_stop(catching_up, stop(SyscallOp::entry, open, 0), false, 0, 1) ==
          NestStop::refuse);
    auto caller = chain_between_steps(false, true);
    CHECK(classify_nest_stop(caller, stop(SyscallOp::entry, call("seccomp"), 0), false, 1, 0) ==
          NestStop::refuse);
    auto again = chain_between_steps(false, true);
    const Syscall xp{Abi::x86_64, kSysXpledge, {}};
    CHECK(classify_nest_stop(again, stop(SyscallOp::entry, xp, 0), false, 1, 0) ==
          NestStop::refuse);
  }
  SUBCASE("signals blocked, yet a call that is not ours: the thread left the chain") {
    auto c = chain_between_steps(true, true);
    CHECK(classify_nest_stop(c, stop(SyscallOp::entry, call("getpid"), 0x402000), false, 1, 0) ==
          NestStop::left_chain);
  }
}

TEST_CASE("decide: clone3 is judged as its clone, and a listed rule on clone3 itself is stricter") {
  static const Policy p = load_policy_string(
      "version: 1\ndefault: allow\nerrno: EUCLEAN\ndeny:\n  - clone3\n", "clone3.yaml");
  const Verdict as_clone = p.evaluate(CallContext{call("clone", {CLONE_VM}), {}});
  const Verdict own = p.evaluate(CallContext{call("clone3"), {}});
  REQUIRE(runs(as_clone));
  const Verdict v = clone3_verdict(as_clone, own);
  CHECK(v.action == Action::deny);
  CHECK(v.err == EUCLEAN);
  // The default speaks for clone: a clone3 nobody names is what its clone is.
  const Verdict by_default = allow_all().evaluate(CallContext{call("clone3"), {}});
  CHECK(clone3_verdict(as_clone, by_default).rule == as_clone.rule);
  // A refused clone stays refused whatever clone3's own rule says.
  static const Policy q = load_policy_string(
      "version: 1\ndefault: allow\nerrno: EUCLEAN\ndeny:\n  - clone\nallow:\n  - clone3\n",
      "clone.yaml");
  const Verdict refused = q.evaluate(CallContext{call("clone"), {}});
  CHECK(clone3_verdict(refused, q.evaluate(CallContext{call("clone3"), {}})).action ==
        Action::deny);
}

TEST_CASE("decide: unveiled, an AF_UNIX socket path needs w to connect and c to bind") {
  World w;
  const Syscall connect_call = call("connect", {3, 0x1000, 110});
  const Syscall bind_call = call("bind", {3, 0x1000, 110});
  const PathArg docker = PathArg::of("/run/docker.sock", Access::write);
  CHECK(runs(w.decide(connect_call, {}, guard(), &docker).verdict));  // nothing hidden yet
  REQUIRE(apply_unveil(w.unveil, std::string("/srv/rw"), std::string("rw")).err == 0);
  REQUIRE(apply_unveil(w.unveil, std::string("/srv/r"), std::string("r")).err == 0);
  Decision d = w.decide(connect_call, {}, guard(), &docker);
  CHECK(d.verdict.action == Action::deny);
  CHECK(d.verdict.err == ENOENT);
  CHECK(rule(d) == "unveil");
  const PathArg ro = PathArg::of("/srv/r/s", Access::write);
  CHECK(w.decide(connect_call, {}, guard(), &ro).verdict.err == EACCES);
  const PathArg rw = PathArg::of("/srv/rw/s", Access::write);
  CHECK(runs(w.decide(connect_call, {}, guard(), &rw).verdict));
  const PathArg made = PathArg::of("/srv/rw/new", Access::create);
  CHECK(w.decide(bind_call, {}, guard(), &made).verdict.err == EACCES);
  // A name inside that reaches a socket outside (a symlink): what it reaches decides.
  PathArg link = PathArg::of("/run/docker.sock", Access::write);
  link.literal = "/srv/rw/link";
  CHECK(w.decide(connect_call, {}, guard(), &link).verdict.err == ENOENT);
  // An address that could not be read cannot be pinned: refused with the kernel's errno.
  PathArg unread;
  unread.err = EFAULT;
  d = w.decide(connect_call, {}, guard(), &unread);
  CHECK(d.verdict.err == EFAULT);
  CHECK(rule(d) == "unveil");
  CHECK(runs(w.decide(connect_call).verdict));  // an inet or abstract address: no path
}
