// Conformance of the exported BPF programs with the pure evaluators (issue 18): each program the
// supervisor installs -- the pre-filter exactly as `xpledge run` loads it (the build-time table
// where the policy's key is in it, else build_prefilter; with a Landlock plan, the build with
// its opens), and the pledge filter the engine injects for a promise set -- must be one the
// kernel accepts, and run in the interpreter
// (bpf_interp.hpp) on generated calls it must:
//   - answer SECCOMP_RET_ALLOW (the call runs unseen) only where the supervisor would have
//     allowed it silently, whatever the paths the call names;
//   - otherwise stop the call (TRACE, USER_NOTIF), or refuse it with the errno every judgement
//     of the supervisor would give (ERRNO); anything else (KILL, TRAP, LOG) is a mismatch.
// Stopping more than needed is fine: the supervisor then decides. Calls: every named number of
// every ABI and some unknown ones; arguments zero, swept through a pool (the constants the
// policy's or promises' register tests and the guards use, with their neighbours c-1, c+1, the
// bits outside a mask, high halves set, all-ones) and mixed at random with a fixed seed.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/userfaultfd.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bpf_interp.hpp"
#include "builtin_prefilters.hpp"
#include "guard.hpp"
#include "landlock_plan.hpp"
#include "policy_load.hpp"
#include "prefilter.hpp"
#include "prefilter_key.hpp"
#include "promises.hpp"
#include "rule_eval.hpp"
#include "scratch.hpp"
#include "syscalls.hpp"

using namespace xpledge;

namespace {

constexpr std::int64_t kSysXpledge = 10000;
using Args = std::array<std::uint64_t, 6>;

std::uint32_t audit_arch(Abi abi) {
  return abi == Abi::i386 ? AUDIT_ARCH_I386 : AUDIT_ARCH_X86_64;
}

// Numbers to try per ABI: every named one and a few nobody names (SYS_xpledge included).
std::vector<std::int64_t> numbers(Abi abi) {
  std::vector<std::int64_t> out;
  for (const auto& k : known_syscalls(abi)) out.push_back(k.nr);
  const std::int64_t base = abi == Abi::x32 ? kX32SyscallBit : 0;
  for (std::int64_t n : {471, 500, 1000, 9999, 10000, 10001}) out.push_back(base | n);
  return out;
}

// A value and its neighbours: c-1, c+1, and with junk in the upper half (which the kernel
// ignores for an int argument, and a 64-bit comparison does not).
void add_around(std::vector<std::uint64_t>& out, std::uint64_t c) {
  const std::uint64_t high = 0xffffffff00000000ULL;
  for (std::uint64_t v : {c, c + 1, c - 1, c | (std::uint64_t{1} << 32), c | high})
    out.push_back(v);
}

// Values every program is tried with: what the shipped rules, promises and guards test.
std::vector<std::uint64_t> base_pool() {
  const std::vector<std::uint64_t> seeds = {
      0, 1, 2, 3, 4, 8, 0x7fffffff, 0x80000000, 0xffffffff, ~std::uint64_t{0},
      CLONE_UNTRACED | SIGCHLD, CLONE_NEWUSER, CLONE_NEWNET | SIGCHLD,
      CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM,
      CLONE_VFORK | CLONE_VM | SIGCHLD, TIOCSTI, TIOCLINUX, TCGETS, FIONREAD, FIONBIO, FIOCLEX,
      USERFAULTFD_IOC_NEW, PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC,
      PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, MAP_SHARED | MAP_FIXED, PathScratch::kAddr,
      PathScratch::kAddr + 4096, PathScratch::kEnd, 0x7f0000000000, O_RDONLY, O_WRONLY | O_CREAT,
      O_RDWR | O_TRUNC, O_RDONLY | O_CREAT, O_RDONLY | O_TRUNC, O_PATH, O_PATH | O_WRONLY,
      O_TMPFILE | O_RDWR, 020000000 /* the kernel's O_TMPFILE bit alone */, O_DIRECTORY,
      O_ACCMODE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD, F_SETOWN, F_SETSIG, AF_UNIX,
      AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SIGKILL,
      SIGSTOP, 0x20000 /* UNAME26 */, 0x0040000, 0xAA00 + 1};
  std::vector<std::uint64_t> out;
  for (std::uint64_t s : seeds) add_around(out, s);
  return out;
}

// The constants of BPF-shaped tests: the bound of an at-most test; for a masked one its value,
// the value with each end bit of the mask flipped, the whole mask, and every bit outside it.
void add_constants(std::vector<std::uint64_t>& out, const ArgAlternatives& alts) {
  for (const auto& alt : alts)
    for (const ArgTest& t : alt) {
      add_around(out, t.value);
      if (t.at_most || t.mask == 0) continue;
      add_around(out, t.value ^ (t.mask & (~t.mask + 1)));
      add_around(out, t.value ^ (std::uint64_t{1} << (63 - std::countl_zero(t.mask))));
      add_around(out, t.value | t.mask);
      out.push_back(t.value | ~t.mask);
    }
}

// Argument vectors meeting every test of one alternative (the others zero): the calls a
// program most likely lets through.
void add_meeting(std::vector<Args>& out, const ArgAlternatives& alts, std::uint64_t width) {
  for (const auto& alt : alts) {
    Args a{};
    for (const ArgTest& t : alt) a[t.arg % 6] = t.value & width;
    out.push_back(a);
  }
}

struct Rng {  // deterministic: the same calls every run, so a failure reproduces
  std::uint64_t s = 0x9e3779b97f4a7c15ULL;
  std::uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
};

constexpr int kRandomVectors = 48;

// Zeros; each argument in turn through the pool (the others zero) when `sweep`; vectors meeting
// the alternatives; random mixes of pool values and random words. i386 arguments are 32-bit.
std::vector<Args> argument_vectors(Rng& rng, Abi abi, const std::vector<std::uint64_t>& pool,
                                   const ArgAlternatives& alts, bool sweep) {
  std::vector<Args> out{Args{}};
  const std::uint64_t width = abi == Abi::i386 ? 0xffffffff : ~std::uint64_t{0};
  if (sweep)
    for (std::size_t i = 0; i < 6; ++i)
      for (std::uint64_t v : pool) {
        Args a{};
        a[i] = v & width;
        out.push_back(a);
      }
  add_meeting(out, alts, width);
  for (int i = 0; i < kRandomVectors; ++i) {
    Args a{};
    for (auto& v : a) {
      const std::uint64_t r = rng.next();
      v = ((r % 4 == 0) ? rng.next() : pool[(r >> 8) % pool.size()]) & width;
    }
    out.push_back(a);
  }
  return out;
}

std::string describe(Abi abi, std::int64_t nr, const Args& a) {
  std::string s = std::string(abi_name(abi)) + " " + syscall_name(abi, nr) + "(";
  for (std::size_t i = 0; i < a.size(); ++i) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%s%#llx", i ? ", " : "", static_cast<unsigned long long>(a[i]));
    s += buf;
  }
  return s + ")";
}

// What the supervisor would do with a call (the evaluators, with every path choice).
struct Oracle {
  std::function<bool(const Syscall&)> silent;  // allowed, nothing logged: may run unseen
  // The errno every judgement refuses the call with; nullopt if some judgement would not.
  std::function<std::optional<int>(const Syscall&)> refused;
  // The register tests under which the evaluators allow (abi, nr): their constants are tried.
  std::function<ArgAlternatives(Abi, std::int64_t)> tests;
};

struct Findings {
  std::vector<std::string> bad;  // the first few mismatches
  std::size_t calls = 0, unseen = 0;
};

void note(Findings& f, std::string what) {
  if (f.bad.size() < 10) f.bad.push_back(std::move(what));
}

// One call's answer against the oracle.
void judge(Findings& f, const Oracle& o, const Syscall& call, std::uint32_t ret) {
  const bpf::Outcome out = bpf::outcome(ret);
  ++f.calls;
  switch (out.action) {
    case bpf::Action::trace:
    case bpf::Action::user_notif:
      return;  // stops: the supervisor decides
    case bpf::Action::allow:
      ++f.unseen;
      if (!o.silent(call))
        note(f, "runs unseen, but the supervisor would not allow it silently: " +
                    describe(call.abi, call.nr, call.args));
      return;
    case bpf::Action::errno_ret:
      if (o.refused(call) != static_cast<int>(out.data))
        note(f, "refused with errno " + std::to_string(out.data) +
                    ", not what the supervisor answers: " + describe(call.abi, call.nr, call.args));
      return;
    default:
      note(f, std::string("answered ") + bpf::action_name(out.action) +
                  ", which the supervisor never does unseen: " +
                  describe(call.abi, call.nr, call.args));
  }
}

Findings run_calls(const bpf::Filter& prog, const Oracle& o) {
  const auto base = base_pool();
  Rng rng;
  Findings f;
  for (Abi abi : kAllAbis) {
    for (const std::int64_t nr : numbers(abi)) {
      seccomp_data d{};
      d.nr = static_cast<int>(nr);
      d.arch = audit_arch(abi);
      d.instruction_pointer = 0x401000;
      // Sweep the arguments only where the program looks at them for this number.
      const auto probe = prog.run(d);
      REQUIRE(probe);
      std::vector<std::uint64_t> pool = base;
      ArgAlternatives alts = o.tests(abi, nr);
      if (abi == Abi::x86_64)
        if (auto g = guard_register_limits(syscall_name(abi, nr)))
          alts.insert(alts.end(), g->begin(), g->end());
      add_constants(pool, alts);
      std::sort(pool.begin(), pool.end());
      pool.erase(std::unique(pool.begin(), pool.end()), pool.end());
      for (const Args& args : argument_vectors(rng, abi, pool, alts, probe->read_args)) {
        for (std::size_t i = 0; i < 6; ++i) d.args[i] = args[i];
        judge(f, o, Syscall{abi, nr, args}, prog.run(d)->ret);
      }
    }
  }
  return f;
}

// The program must load, then conform on every generated call.
void check_program(std::span<const unsigned char> bytes, const Oracle& o, const std::string& name) {
  const bpf::Filter prog = bpf::Filter::from_bytes(bytes);
  REQUIRE_MESSAGE(prog.rejected().empty(), name << ": the kernel would refuse it: "
                                                 << prog.rejected());
  const Findings f = run_calls(prog, o);
  INFO(name << ": " << f.calls << " calls, " << f.unseen << " run unseen");
  for (const auto& b : f.bad) MESSAGE(name << ": " << b);
  CHECK(f.bad.empty());
  CHECK(f.calls > 0);
}

std::vector<std::string> policy_files() {
  std::vector<std::string> out;
  for (const char* dir : {"policies/examples", "tests/hostile/policies",
                          "tests/integration/policies", "tests/pledge/policies"}) {
    const std::filesystem::path p = std::filesystem::path(XPLEDGE_SOURCE_DIR) / dir;
    if (!std::filesystem::is_directory(p)) continue;
    for (const auto& e : std::filesystem::directory_iterator(p))
      if (e.path().extension() == ".yaml") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A call whose decision may depend on its paths runs unseen only if every path it could name
// is allowed; these stand for "every": the root, a system file, names the test policies deny,
// one the shipped ones allow, each with every access, and a path that could not be read.
// The access is any, except where the tracer takes it from a register: an open whose flags are
// an argument (not openat2's struct) gets theirs, before and whatever the path it reads
// (engine/path_resolve.cpp, access_of).
std::vector<std::vector<PathArg>> path_choices(const Syscall& call, bool needs_paths) {
  const SyscallSig* sig = syscall_sig(syscall_name(call.abi, call.nr));
  const std::size_t n = sig ? sig->path_args().size() : 0;
  if (n == 0 || !needs_paths) return {{}};
  const auto with = [&](const char* p, Access a, int err) {
    std::vector<PathArg> args(n, PathArg{p, a, err, p, {}});
    for (std::size_t i = 0; i < n; ++i) {
      const PathArgSpec& spec = sig->path_args()[i];
      if (spec.use == PathUse::open && spec.flags_arg >= 0 &&
          sig->args[static_cast<std::size_t>(spec.flags_arg)] == ArgKind::open_flags)
        args[i].access = open_access(call.args[static_cast<std::size_t>(spec.flags_arg)]);
    }
    return args;
  };
  std::vector<std::vector<PathArg>> out;
  for (const char* p : {"/", "/etc/shadow", "/tmp/t/forbiddn", "/srv/secret/x", "/dev/null",
                        "/etc/resolv.conf", "/usr/share/zoneinfo/UTC"})
    for (Access a : {Access::read, Access::write, Access::create, Access::exec})
      out.push_back(with(p, a, 0));
  out.push_back(with("", Access::create, EFAULT));
  return out;
}

// The supervisor under `policy`: SYS_xpledge always stops; otherwise the policy's verdict on
// the call as judged (judged_as), then the guards. The scratch segment exists (id 5).
Oracle policy_oracle(const Policy& policy) {
  const auto verdicts = [&policy](const Syscall& call, auto&& each) {
    const Syscall judged = judged_as(call);
    const GuardContext gctx{1000, 900, 4242, 901, 1, 0, 5};
    for (const auto& paths : path_choices(judged, policy.needs_paths(judged.abi, judged.nr))) {
      const Verdict v = policy.evaluate(CallContext{judged, paths});
      if (!each(v, guard_check(call, gctx, v).has_value())) return false;
    }
    return true;
  };
  Oracle o;
  o.silent = [verdicts](const Syscall& call) {
    if (call.abi == Abi::x86_64 && call.nr == kSysXpledge) return false;
    return verdicts(call, [](const Verdict& v, bool guarded) {
      return v.action == Action::allow && !guarded;
    });
  };
  o.refused = [verdicts](const Syscall& call) -> std::optional<int> {
    std::optional<int> err;
    const bool all = verdicts(call, [&err](const Verdict& v, bool guarded) {
      if (v.action != Action::deny || guarded || (err && *err != v.err)) return false;
      err = v.err;
      return true;
    });
    return all ? err : std::nullopt;
  };
  o.tests = [&policy](Abi abi, std::int64_t nr) { return policy.register_grants(abi, nr); };
  return o;
}

// Exactly what `xpledge run` loads for the policy (main.cpp, tracer.cpp): the build-time filter
// when the policy's key has one, else a fresh build.
std::vector<unsigned char> installed_prefilter(const Policy& policy, const std::string& name) {
  const auto builtin = builtin_prefilter(prefilter_key(policy));
  if (!builtin.empty()) return {builtin.begin(), builtin.end()};
  std::string error;
  auto bytes = build_prefilter(policy, error);
  REQUIRE_MESSAGE(error.empty(), name << ": " << error);
  return bytes;
}

// The engine under a promise set (the pledge filter's oracle): allowed by the catalogue's
// check with every path choice; the enosys calls refused with ENOSYS.
Oracle promise_oracle(const PromiseCatalogue& cat, const PromiseSet& set) {
  const auto checks = [&cat, &set](const Syscall& call, auto&& each) {
    const Syscall judged = judged_as(call);
    for (const auto& paths : path_choices(judged, cat.needs_paths(set, judged.abi, judged.nr))) {
      CallContext ctx{judged, paths};
      ctx.tgid = 4242;
      if (!each(cat.check(set, ctx, ctx.tgid))) return false;
    }
    return true;
  };
  Oracle o;
  o.silent = [checks](const Syscall& call) {
    if (call.abi == Abi::x86_64 && call.nr == kSysXpledge) return false;
    return checks(call, [](const PromiseCheck& c) { return c.allowed && c.fixed_errno == 0; });
  };
  o.refused = [checks](const Syscall& call) -> std::optional<int> {
    bool all = checks(call, [](const PromiseCheck& c) { return c.fixed_errno != 0; });
    return all ? std::optional<int>(ENOSYS) : std::nullopt;
  };
  o.tests = [&cat, &set](Abi abi, std::int64_t nr) { return cat.register_grants(set, abi, nr); };
  return o;
}

// --landlock with a plan under which the kernel decides some opens alone (landlock_plan.hpp,
// level (b)): such an open may also run unseen, but only when it is x86-64 open/openat that the
// plan decides, with none of O_CREAT, O_TMPFILE, O_PATH in its flags (the int the kernel reads),
// opening for writing or truncating only when the kernel holds the write group too (ABI 3+),
// and the policy's only verdicts on it, for every path, allow or deny: what Landlock can do
// (that its trees are the policy's is landlock_plan's claim, tested in unit_policy).
Oracle landlock_oracle(const Policy& policy, const LandlockPlan& plan) {
  Oracle o = policy_oracle(policy);
  o.silent = [&policy, &plan, silent = o.silent](const Syscall& call) {
    if (silent(call)) return true;
    if (call.abi != Abi::x86_64) return false;
    const std::string name = syscall_name(call.abi, call.nr);
    const bool is_open = name == "open" && plan.opens[0].decided;
    if (!is_open && !(name == "openat" && plan.opens[1].decided)) return false;
    const auto flags = static_cast<std::uint32_t>(call.args[is_open ? 1 : 2]);
    // The kernel's own O_TMPFILE bit (glibc's O_TMPFILE also holds O_DIRECTORY).
    if (flags & (O_CREAT | 020000000 | O_PATH)) return false;
    if ((flags & (O_ACCMODE | O_TRUNC)) && (!plan.handled[1] || plan.abi < 3)) return false;
    const GuardContext gctx{1000, 900, 4242, 901, 1, 0, 5};
    for (const auto& paths : path_choices(call, true)) {
      const Verdict v = policy.evaluate(CallContext{call, paths});
      if ((v.action != Action::allow && v.action != Action::deny) || guard_check(call, gctx, v))
        return false;
    }
    return true;
  };
  return o;
}

// A filesystem where every rule's path exists, as itself; a directory unless its last name
// has a dot.
PathFact plain_fact(const std::string& path) {
  const auto slash = path.rfind('/');
  const bool dotted = path.find('.', slash == std::string::npos ? 0 : slash) != std::string::npos;
  return PathFact{true, !dotted, path};
}

}  // namespace

TEST_CASE("bpf conformance: the pre-filter `xpledge run` installs for every shipped policy") {
  const Policy def = load_default_policy();
  // The table holds the default policy and the shipped examples: those go through it here.
  CHECK_FALSE(builtin_prefilter(prefilter_key(def)).empty());
  check_program(installed_prefilter(def, "<default>"), policy_oracle(def), "<default>");
  const auto files = policy_files();
  REQUIRE(files.size() > 10);
  std::size_t checked = 0;
  for (const auto& f : files) {
    std::optional<Policy> p;
    try {
      p = load_policy_file(f);
    } catch (const std::exception&) {
      continue;  // a test policy written not to load (bad_typo.yaml...)
    }
    check_program(installed_prefilter(*p, f), policy_oracle(*p), f);
    ++checked;
  }
  CHECK(checked + 3 >= files.size());
}

TEST_CASE("bpf conformance: the pledge filter of each promise, and of realistic sets") {
  const auto& cat = PromiseCatalogue::builtin();
  std::vector<std::string> sets = {"", "stdio", "stdio rpath", "stdio rpath wpath cpath",
                                   "stdio inet dns", "stdio proc exec", "stdio tty"};
  std::string all;
  for (std::size_t id = 0; id < cat.size(); ++id) {
    sets.push_back(cat.name(id));
    sets.push_back("stdio " + cat.name(id));
    all += cat.name(id) + " ";
  }
  sets.push_back(all);
  for (const auto& text : sets) {
    std::string bad_name;
    const auto set = cat.parse(text, &bad_name);
    REQUIRE_MESSAGE(set, text << ": " << bad_name);
    std::string error;
    const auto bytes = build_pledge_filter(cat, *set, error);
    REQUIRE_MESSAGE(error.empty(), text << ": " << error);
    check_program(bytes, promise_oracle(cat, *set), "xpledge(\"" + text + "\")");
  }
}

// The check itself, on hand-written programs under a policy that denies getppid with EUCLEAN:
// a check that cannot fail proves nothing.
TEST_CASE("bpf conformance: the check catches a wrong allow, a wrong errno and a kill") {
  const Policy p = load_policy_string(
      "version: 1\ndefault: allow\nerrno: EUCLEAN\ndeny:\n  - getppid\n", "p.yaml");
  const Oracle o = policy_oracle(p);
  const auto getppid = static_cast<std::uint32_t>(*syscall_nr(Abi::x86_64, "getppid"));
  // Every x86-64 getppid answered with `ret`, everything else stopped.
  const auto only_getppid = [&](std::uint32_t ret) {
    return run_calls(bpf::Filter({
                         BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
                         BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 3),
                         BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
                         BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, getppid, 0, 1),
                         BPF_STMT(BPF_RET | BPF_K, ret),
                         BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
                     }),
                     o)
        .bad.size();
  };
  CHECK(only_getppid(SECCOMP_RET_TRACE) == 0);
  CHECK(only_getppid(SECCOMP_RET_ERRNO | EUCLEAN) == 0);
  CHECK(only_getppid(SECCOMP_RET_ERRNO | EPERM) > 0);
  CHECK(only_getppid(SECCOMP_RET_ALLOW) > 0);
  CHECK(only_getppid(SECCOMP_RET_KILL_PROCESS) > 0);
  CHECK(only_getppid(SECCOMP_RET_LOG) > 0);
  // getpid is allowed: letting it through unseen is fine, refusing it is not.
  const auto getpid = static_cast<std::uint32_t>(*syscall_nr(Abi::x86_64, "getpid"));
  const bpf::Filter refuse_getpid({
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, getpid, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EUCLEAN),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
  });
  CHECK_FALSE(run_calls(refuse_getpid, o).bad.empty());
}

TEST_CASE("bpf conformance: the pre-filter under --landlock, where the kernel decides opens") {
  std::vector<std::pair<std::string, Policy>> policies;
  policies.emplace_back("<read list>",
                        load_policy_string("version: 1\nerrno: EUCLEAN\ndefault: deny\nallow:\n"
                                           "  - { syscall: openat, path: [/srv/**], access: read }\n"
                                           "  - { syscall: open, path: [/srv/**], access: read }\n"
                                           "  - read\n",
                                           "r.yaml"));
  policies.emplace_back("<write list>",
                        load_policy_string("version: 1\nerrno: EUCLEAN\ndefault: deny\nallow:\n"
                                           "  - { syscall: openat, path: [/srv/**], access: read }\n"
                                           "  - { syscall: openat, path: [/srv/**], access: write }\n"
                                           "  - write\n",
                                           "w.yaml"));
  for (const auto& f : policy_files()) {
    try {
      policies.emplace_back(f, load_policy_file(f));
    } catch (const std::exception&) {
      // written not to load; the first case counts these
    }
  }
  std::size_t decided = 0, wrote = 0;
  for (const auto& [name, policy] : policies) {
    for (int abi : {2, 6}) {
      const LandlockPlan plan = plan_landlock(policy, abi, plain_fact, true);
      if (!plan.any_open_decided()) continue;
      ++decided;
      wrote += (plan.open_stop_flags & O_ACCMODE) == 0;
      std::string error;
      const auto bytes = build_prefilter(policy, error, nullptr, &plan);
      REQUIRE_MESSAGE(error.empty(), name << ": " << error);
      check_program(bytes, landlock_oracle(policy, plan),
                    name + " (Landlock ABI " + std::to_string(abi) + ")");
    }
  }
  // The inline lists at least, with each ABI; with ABI 6 opens for writing run unseen too.
  CHECK(decided >= 4);
  CHECK(wrote >= 1);
}
