// libxpledge's standalone filter (shim/standalone_pledge.c, compiled from the table the build
// generates from policies/promises.yaml) held against the catalogue's own check(): for every
// x86-64 number and argument vectors around the constants the promises test, the program
// answers ALLOW exactly when check() allows the call without paths, ENOSYS for the enosys
// calls and libxpledge's own numbers, and the violation otherwise. Both directions: the kernel
// filter neither allows more than the promises nor refuses what their register limits allow.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <optional>
#include <string>
#include <vector>

#include "bpf_interp.hpp"
#include "promises.hpp"
#include "syscalls.hpp"

extern "C" {
long xp_build_filter(std::uint64_t set, int kill_on_violation, std::int32_t self_pid,
                     sock_filter* out, std::size_t cap);
std::uint64_t xp_promise_bit(const char* name);
}

using namespace xpledge;

namespace {

constexpr std::int32_t kSelf = 4242;

// The program libxpledge would load for `set`; the kernel must take it.
bpf::Filter build(std::uint64_t set, bool kill) {
  std::vector<sock_filter> prog(4096);
  const long n = xp_build_filter(set, kill ? 1 : 0, kSelf, prog.data(), prog.size());
  REQUIRE(n > 0);
  prog.resize(static_cast<std::size_t>(n));
  bpf::Filter f(std::move(prog));
  REQUIRE_MESSAGE(f.rejected().empty(), f.rejected());
  return f;
}

std::optional<std::uint32_t> bpf_run(const bpf::Filter& f, const seccomp_data& d) {
  const auto r = f.run(d);
  return r ? std::optional<std::uint32_t>(r->ret) : std::nullopt;
}

std::vector<std::uint64_t> pool() {
  const std::vector<std::uint64_t> seeds = {
      0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 14, 36, 37, 38, 1030, 0x7fffffff, 0xffffffff, kSelf,
      O_RDONLY, O_WRONLY, O_RDWR, O_RDWR | O_TRUNC, O_RDONLY | O_TRUNC, O_WRONLY | O_CREAT,
      O_TMPFILE | O_RDWR, O_CREAT | O_EXCL, 04644, 0644, 02755, 01777,
      CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM,
      CLONE_NEWUSER, SIGCHLD, TCGETS, TIOCGWINSZ, TIOCSTI, FIONREAD, FIONBIO, FIOCLEX,
      PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
      AF_UNIX, AF_INET, AF_INET6, AF_NETLINK, SOCK_STREAM, SOCK_DGRAM, SOCK_RAW,
      SOCK_STREAM | SOCK_CLOEXEC, PR_SET_NAME, PR_SET_SECCOMP, PR_SET_DUMPABLE, SOL_SOCKET,
      SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC};
  std::vector<std::uint64_t> out;
  for (std::uint64_t s : seeds)
    for (std::uint64_t v : std::initializer_list<std::uint64_t>{s, s + 1, s | (std::uint64_t{1} << 32),
                                                                s | 0xffffffff00000000ULL})
      out.push_back(v);
  return out;
}

std::vector<std::int64_t> numbers() {
  std::vector<std::int64_t> out;
  for (const auto& k : known_syscalls(Abi::x86_64)) out.push_back(k.nr);
  for (std::int64_t n : {500, 1000, 10000, 10001}) out.push_back(n);
  return out;
}

// Every mismatch between the program and the catalogue for `set` (the first few).
std::vector<std::string> mismatches(std::uint64_t bits, const PromiseSet& set, bool kill) {
  const auto& cat = PromiseCatalogue::builtin();
  const auto prog = build(bits, kill);
  const auto values = pool();
  const std::uint32_t violation = kill ? SECCOMP_RET_KILL_PROCESS : SECCOMP_RET_ERRNO | EPERM;
  std::vector<std::string> bad;
  std::uint64_t rng = 0x9e3779b97f4a7c15ULL;
  for (const std::int64_t nr : numbers()) {
    std::vector<std::array<std::uint64_t, 6>> vecs{{}};
    for (std::size_t i = 0; i < 4; ++i)
      for (std::uint64_t v : values) {
        std::array<std::uint64_t, 6> a{};
        a[i] = v;
        vecs.push_back(a);
      }
    for (int r = 0; r < 32; ++r) {
      std::array<std::uint64_t, 6> a{};
      for (auto& v : a) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        v = values[rng % values.size()];
      }
      vecs.push_back(a);
    }
    for (const auto& args : vecs) {
      seccomp_data d{};
      d.nr = static_cast<int>(nr);
      d.arch = AUDIT_ARCH_X86_64;
      for (std::size_t i = 0; i < 6; ++i) d.args[i] = args[i];
      const auto ret = bpf_run(prog, d);
      REQUIRE(ret.has_value());
      const Syscall call{Abi::x86_64, nr, args};
      const CallContext ctx{call, {}, kSelf};
      const PromiseCheck c = cat.check(set, ctx, kSelf);
      std::uint32_t want = violation;
      if (nr == 10000 || nr == 10001 || c.fixed_errno == ENOSYS)
        want = SECCOMP_RET_ERRNO | ENOSYS;
      else if (c.allowed || (nr == SYS_seccomp && args[0] == SECCOMP_SET_MODE_FILTER &&
                             args[1] == SECCOMP_FILTER_FLAG_TSYNC))
        want = SECCOMP_RET_ALLOW;
      if (*ret != want && bad.size() < 8)
        bad.push_back(syscall_name(Abi::x86_64, nr) + " arg0=" + std::to_string(args[0]) +
                      " arg1=" + std::to_string(args[1]) + " arg2=" + std::to_string(args[2]) +
                      " arg3=" + std::to_string(args[3]) + ": filter " + std::to_string(*ret) +
                      ", catalogue " + std::to_string(want));
    }
  }
  return bad;
}

void check_set(const std::string& text, bool kill = false) {
  const auto& cat = PromiseCatalogue::builtin();
  std::string unknown;
  const auto set = cat.parse(text, &unknown);
  REQUIRE(set.has_value());
  std::uint64_t bits = 0;
  for (std::size_t id = 0; id < cat.size(); ++id)
    if (set->has(id)) bits |= xp_promise_bit(cat.name(id).c_str());
  const auto bad = mismatches(bits, *set, kill);
  INFO("promises \"" << text << "\"");
  for (const auto& b : bad) INFO(b);
  CHECK_MESSAGE(bad.empty(), (bad.empty() ? std::string() : bad.front()));
}

}  // namespace

TEST_CASE("shim filter: the table names every promise of the catalogue, in the same order") {
  const auto& cat = PromiseCatalogue::builtin();
  for (std::size_t id = 0; id < cat.size(); ++id)
    CHECK(xp_promise_bit(cat.name(id).c_str()) == (std::uint64_t{1} << id));
  CHECK(xp_promise_bit("pf") == 0);
}

TEST_CASE("shim filter: each promise alone, as the catalogue checks it without paths") {
  const auto& cat = PromiseCatalogue::builtin();
  check_set("");
  for (std::size_t id = 0; id < cat.size(); ++id) check_set(cat.name(id));
}

TEST_CASE("shim filter: unions, and every promise at once, fit and agree") {
  check_set("stdio rpath");
  check_set("stdio rpath wpath cpath");
  check_set("stdio inet unix dns proc exec");
  check_set("stdio tty flock fattr", true);
  const auto& cat = PromiseCatalogue::builtin();
  std::string all;
  for (std::size_t id = 0; id < cat.size(); ++id) all += cat.name(id) + " ";
  check_set(all);
  check_set(all, true);
}

TEST_CASE("shim filter: i386 and x32 calls are violations") {
  const auto prog = build(xp_promise_bit("stdio"), false);
  seccomp_data d{};
  d.nr = 20;  // i386 getpid
  d.arch = AUDIT_ARCH_I386;
  CHECK(bpf_run(prog, d) == (SECCOMP_RET_ERRNO | EPERM));
  d.arch = AUDIT_ARCH_X86_64;
  d.nr = 0x40000000 | 39;  // x32 getpid
  CHECK(bpf_run(prog, d) == (SECCOMP_RET_ERRNO | EPERM));
  d.nr = 39;
  CHECK(bpf_run(prog, d) == SECCOMP_RET_ALLOW);
}
