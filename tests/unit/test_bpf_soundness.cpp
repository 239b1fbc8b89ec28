// The exported BPF programs held against the pure evaluators (issue 18: "the exported BPF
// program run in the interpreter against evaluate on generated calls for every shipped policy
// and promise set"). The pre-filter and the pledge filters may stop more than they must, never
// less: wherever a program answers SECCOMP_RET_ALLOW (the call runs unseen), the supervisor
// would have allowed it silently too. Calls are generated for every named number of every ABI
// and some unknown ones, with arguments around the constants the rules and guards test, with
// junk in the upper halves and at random.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bpf_interp.hpp"
#include "guard.hpp"
#include "policy_load.hpp"
#include "prefilter.hpp"
#include "promises.hpp"
#include "scratch.hpp"
#include "syscalls.hpp"

using namespace xpledge;
using xpledge::test::bpf_program;
using xpledge::test::bpf_run;

namespace {

constexpr std::int64_t kSysXpledge = 10000;

std::uint32_t audit_arch(Abi abi) {
  return abi == Abi::i386 ? AUDIT_ARCH_I386 : AUDIT_ARCH_X86_64;
}

// Numbers to try per ABI: every named one and a few nobody names (SYS_xpledge included).
std::vector<std::int64_t> numbers(Abi abi) {
  std::vector<std::int64_t> out;
  for (const auto& k : known_syscalls(abi)) out.push_back(k.nr);
  const std::int64_t base = abi == Abi::x32 ? kX32SyscallBit : 0;
  for (std::int64_t n : std::initializer_list<std::int64_t>{471, 500, 1000, 9999, kSysXpledge, 10001})
    out.push_back(base | n);
  return out;
}

// Values the rules, promises and guards test, and their neighbours.
std::vector<std::uint64_t> value_pool() {
  std::vector<std::uint64_t> seeds = {
      0, 1, 2, 3, 4, 8, 0x7fffffff, 0x80000000, 0xffffffff,
      CLONE_UNTRACED | SIGCHLD, CLONE_NEWUSER, CLONE_NEWNET | SIGCHLD,
      CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM,
      CLONE_VFORK | CLONE_VM | SIGCHLD, TIOCSTI, TIOCLINUX, TCGETS, FIONREAD, FIONBIO, FIOCLEX,
      USERFAULTFD_IOC_NEW, PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC,
      PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, MAP_SHARED | MAP_FIXED, PathScratch::kAddr,
      PathScratch::kAddr + 4096, PathScratch::kEnd - 1, PathScratch::kEnd, 0x7f0000000000,
      O_RDONLY, O_WRONLY | O_CREAT, O_RDWR | O_TRUNC, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD,
      F_SETOWN, F_SETSIG, AF_UNIX, AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, SOCK_STREAM,
      SOCK_DGRAM, SOCK_RAW, SIGKILL, SIGSTOP, 0x20000 /* UNAME26 */, 0x0040000, 0xAA00 + 1};
  std::vector<std::uint64_t> out;
  for (std::uint64_t s : seeds)
    for (std::uint64_t v : std::initializer_list<std::uint64_t>{s, s + 1, s - 1, s | (std::uint64_t{1} << 32), s | 0xffffffff00000000ULL})
      out.push_back(v);
  return out;
}

// A deterministic generator: the same calls every run, so a failure reproduces.
struct Rng {
  std::uint64_t s = 0x9e3779b97f4a7c15ULL;
  std::uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
};

constexpr int kRandomVectors = 48;

// Zeros, then each argument in turn through the whole pool (the others zero) when `sweep`, then
// random mixes of pool values and random words.
std::vector<std::array<std::uint64_t, 6>> argument_vectors(Rng& rng, Abi abi,
                                                          const std::vector<std::uint64_t>& pool,
                                                          bool sweep) {
  std::vector<std::array<std::uint64_t, 6>> out;
  out.push_back({});
  const std::uint64_t width = abi == Abi::i386 ? 0xffffffff : ~std::uint64_t{0};
  if (sweep)
    for (std::size_t i = 0; i < 6; ++i)
      for (std::uint64_t v : pool) {
        std::array<std::uint64_t, 6> a{};
        a[i] = v & width;
        out.push_back(a);
      }
  for (int i = 0; i < kRandomVectors; ++i) {
    std::array<std::uint64_t, 6> a{};
    for (auto& v : a) {
      const std::uint64_t r = rng.next();
      v = ((r % 4 == 0) ? rng.next() : pool[(r >> 8) % pool.size()]) & width;
    }
    out.push_back(a);
  }
  return out;
}

std::string describe(Abi abi, std::int64_t nr, const std::array<std::uint64_t, 6>& a) {
  std::string s = std::string(abi_name(abi)) + " " + syscall_name(abi, nr) + "(";
  for (std::size_t i = 0; i < a.size(); ++i) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%s%#llx", i ? ", " : "", static_cast<unsigned long long>(a[i]));
    s += buf;
  }
  return s + ")";
}

// For every generated call the program lets run unseen, `silent(call)` must hold; returns the
// first few calls where it does not.
template <typename Silent>
std::vector<std::string> unsound_allows(const std::vector<unsigned char>& bytes, Silent silent,
                                        std::size_t* allowed_out = nullptr) {
  const auto prog = bpf_program(bytes);
  const auto pool = value_pool();
  Rng rng;
  std::vector<std::string> bad;
  std::size_t allowed = 0;
  for (Abi abi : kAllAbis) {
    for (const std::int64_t nr : numbers(abi)) {
      // Sweep every argument only where the program looks at them for this number.
      seccomp_data probe{};
      probe.nr = static_cast<int>(nr);
      probe.arch = audit_arch(abi);
      bool reads_args = false;
      (void)bpf_run(prog, probe, &reads_args);
      for (const auto& args : argument_vectors(rng, abi, pool, reads_args)) {
        seccomp_data d{};
        d.nr = static_cast<int>(nr);
        d.arch = audit_arch(abi);
        d.instruction_pointer = 0x401000;
        for (std::size_t i = 0; i < 6; ++i) d.args[i] = args[i];
        const auto ret = bpf_run(prog, d);
        if (!ret) {
          bad.push_back("the program does not run to a return for " + describe(abi, nr, args));
          return bad;
        }
        if ((*ret & SECCOMP_RET_ACTION_FULL) != SECCOMP_RET_ALLOW) continue;
        ++allowed;
        if (!silent(Syscall{abi, nr, args}) && bad.size() < 10)
          bad.push_back(describe(abi, nr, args));
      }
    }
  }
  if (allowed_out) *allowed_out = allowed;
  return bad;
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
std::vector<std::vector<PathArg>> path_choices(const Syscall& call) {
  const SyscallSig* sig = syscall_sig(syscall_name(call.abi, call.nr));
  const std::size_t n = sig ? sig->path_args().size() : 0;
  std::vector<std::vector<PathArg>> out;
  if (n == 0) return {{}};
  for (const char* p : {"/", "/etc/shadow", "/tmp/t/forbiddn", "/srv/secret/x", "/dev/null",
                        "/etc/resolv.conf", "/usr/share/zoneinfo/UTC"})
    for (Access a : {Access::read, Access::write, Access::create, Access::exec})
      out.push_back(std::vector<PathArg>(n, PathArg{p, a, 0, p, {}}));
  out.push_back(std::vector<PathArg>(n, PathArg{"", Access::create, EFAULT, "", {}}));
  return out;
}

void check_prefilter(const Policy& policy, const std::string& name) {
  std::string error;
  const auto bytes = build_prefilter(policy, error);
  REQUIRE_MESSAGE(error.empty(), name << ": " << error);
  // The segment exists (id 5): the guard protects its range in every tracee.
  const GuardContext gctx{1000, 900, 4242, 901, 1, 0, 5};
  std::size_t allowed = 0;
  const auto bad = unsound_allows(bytes, [&](const Syscall& call) {
    if (call.abi == Abi::x86_64 && call.nr == kSysXpledge) return false;
    const Syscall judged = judged_as(call);
    const auto choices = policy.needs_paths(judged.abi, judged.nr)
                             ? path_choices(judged)
                             : std::vector<std::vector<PathArg>>{{}};
    for (const auto& paths : choices) {
      const Verdict v = policy.evaluate(CallContext{judged, paths});
      if (v.action != Action::allow || guard_check(call, gctx, v)) return false;
    }
    return true;
  }, &allowed);
  INFO(name << ": " << allowed << " generated calls run unseen");
  for (const auto& b : bad)
    MESSAGE(name << ": runs unseen, but the supervisor would not allow it silently: " << b);
  CHECK(bad.empty());
}

}  // namespace

TEST_CASE("bpf soundness: the pre-filter of every shipped policy allows only silent allows") {
  check_prefilter(load_default_policy(), "<default>");
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
    check_prefilter(*p, f);
    ++checked;
  }
  CHECK(checked + 3 >= files.size());
}

TEST_CASE("bpf soundness: every promise's pledge filter allows only what the promises allow") {
  const auto& cat = PromiseCatalogue::builtin();
  std::vector<std::string> sets = {"", "stdio", "stdio rpath", "stdio rpath wpath cpath",
                                   "stdio inet dns", "stdio proc exec", "stdio tty"};
  std::string all;
  for (std::size_t id = 0; id < cat.size(); ++id) {
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
    const auto bad = unsound_allows(bytes, [&](const Syscall& call) {
      if (call.abi == Abi::x86_64 && call.nr == kSysXpledge) return false;
      const Syscall judged = judged_as(call);
      const auto choices = cat.needs_paths(*set, judged.abi, judged.nr)
                               ? path_choices(judged)
                               : std::vector<std::vector<PathArg>>{{}};
      for (const auto& paths : choices) {
        CallContext ctx{judged, paths};
        ctx.tgid = 4242;
        const PromiseCheck c = cat.check(*set, ctx, ctx.tgid);
        if (!c.allowed || c.fixed_errno != 0) return false;
      }
      return true;
    });
    for (const auto& b : bad)
      MESSAGE("xpledge(\"" << text << "\"): runs unseen, but the promises do not allow it: " << b);
    CHECK(bad.empty());
  }
}

// The interpreter itself, on a hand-written program: a check that fails here is the
// interpreter's fault, not the filter's.
TEST_CASE("bpf interpreter: loads, jumps and returns as the kernel does") {
  const std::vector<sock_filter> prog = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 39, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args) + 4),  // arg0's high half
      BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  seccomp_data d{};
  d.nr = 39;
  CHECK(bpf_run(prog, d) == SECCOMP_RET_ALLOW);
  d.args[0] = 1ULL << 32;
  CHECK(bpf_run(prog, d) == (SECCOMP_RET_ERRNO | 1));
  d.nr = 40;
  CHECK(bpf_run(prog, d) == SECCOMP_RET_ALLOW);
  const std::vector<sock_filter> off_end = {BPF_JUMP(BPF_JMP | BPF_JA, 5, 0, 0)};
  CHECK_FALSE(bpf_run(off_end, d));
}
