// Policy::register_grants and arg_grants.hpp, without a kernel: every call an alternative accepts
// must be one evaluate() allows silently (the pre-filter lets it run unseen), and the shapes the
// shipped policies use must be compiled exactly (else those calls keep stopping).
#include <doctest/doctest.h>

#include <sys/ioctl.h>
#include <sys/personality.h>
#include <termios.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "arg_grants.hpp"
#include "policy.hpp"
#include "policy_load.hpp"
#include "syscalls.hpp"

using namespace xpledge;

namespace {

constexpr std::uint64_t kLow = 0xffffffffULL;

bool accepts(const ArgAlternatives& alts, const std::array<std::uint64_t, 6>& args) {
  return std::any_of(alts.begin(), alts.end(), [&](const auto& alt) {
    return std::all_of(alt.begin(), alt.end(), [&](const ArgTest& t) {
      return t.at_most ? args[t.arg] <= t.value : (args[t.arg] & t.mask) == t.value;
    });
  });
}

std::int64_t nr(const char* name) { return *syscall_nr(Abi::x86_64, name); }

bool silently_allowed(const Policy& p, std::int64_t n, const std::array<std::uint64_t, 6>& a) {
  return p.evaluate(CallContext{Syscall{Abi::x86_64, n, a}, {}}).action == Action::allow;
}

// Values around every interesting edge: each constant, its neighbours, with junk in the upper
// half, the 32-bit and 64-bit limits.
std::vector<std::uint64_t> probes(const std::vector<std::uint64_t>& seeds) {
  std::vector<std::uint64_t> out = {0, 1, 2, kLow, kLow + 1, ~0ULL, 1ULL << 63};
  for (std::uint64_t s : seeds)
    for (std::uint64_t v : std::initializer_list<std::uint64_t>{
             s, s - 1, s + 1, s & kLow, s | (1ULL << 32), s | (0xdeadULL << 40), s ^ 1, ~s, s >> 1})
      out.push_back(v);
  return out;
}

}  // namespace

TEST_CASE("low_range: exactly [lo, hi] of the low half, whatever the upper half") {
  for (auto [lo, hi] : std::vector<std::pair<std::uint64_t, std::uint64_t>>{
           {0, kLow}, {0, 0}, {5, 5}, {0x5413, 0x541b}, {0x541d, kLow}, {1, kLow - 1}, {7, 8}}) {
    CAPTURE(lo);
    CAPTURE(hi);
    const auto blocks = low_range(1, lo, hi);
    CHECK(blocks.size() <= 64);
    ArgAlternatives alts;
    for (const ArgTest& t : blocks) alts.push_back({t});
    for (std::uint64_t v : probes({lo, hi})) {
      const std::uint64_t low = v & kLow;
      CHECK(accepts(alts, {0, v}) == (low >= lo && low <= hi));
    }
  }
  CHECK(low_range(0, 0, kLow).size() == 1);
  CHECK(low_range(0, 1, 0).empty());
}

TEST_CASE("default policy: ioctl and personality compile exactly on x86-64") {
  const Policy p = load_default_policy();
  const auto ioctl = p.register_grants(Abi::x86_64, nr("ioctl"));
  REQUIRE_FALSE(ioctl.empty());
  CHECK(ioctl.size() <= kMaxArgAlternatives);
  for (std::uint64_t cmd : probes({TIOCSTI, TIOCLINUX, TCGETS, TCSETS, FIONREAD, TIOCGWINSZ})) {
    CAPTURE(cmd);
    CHECK(accepts(ioctl, {0, cmd}) == silently_allowed(p, nr("ioctl"), {0, cmd}));
  }
  const auto per = p.register_grants(Abi::x86_64, nr("personality"));
  for (std::uint64_t v : probes({PER_LINUX, PER_LINUX32, UNAME26, ADDR_NO_RANDOMIZE,
                                 READ_IMPLIES_EXEC, 0xffffffff})) {
    CAPTURE(v);
    CHECK(accepts(per, {v}) == silently_allowed(p, nr("personality"), {v}));
  }
  // Only x86-64 is compiled; i386 calls keep stopping.
  CHECK(p.register_grants(Abi::i386, *syscall_nr(Abi::i386, "ioctl")).empty());
}

TEST_CASE("register_grants: path rules and log rules keep the call stopping") {
  const Policy p = load_policy_string(
      "version: 1\ndefault: allow\n"
      "deny:\n  - { syscall: openat, path: /etc/shadow }\n"
      "log:\n  - { syscall: ioctl, args: [{ index: 1, op: eq, value: 5 }] }\n", "t.yaml");
  CHECK(p.register_grants(Abi::x86_64, nr("openat")).empty());
  const auto ioctl = p.register_grants(Abi::x86_64, nr("ioctl"));
  CHECK_FALSE(accepts(ioctl, {0, 5}));
  CHECK_FALSE(accepts(ioctl, {0, 5 | (1ULL << 32)}));
  CHECK(accepts(ioctl, {0, 6}));
}

TEST_CASE("register_grants: never wider than evaluate() on random policies") {
  // Random rules on one syscall (ioctl), every operator, values near the 32-bit edges, under
  // each default; probes around every constant. A single accepted call evaluate() denies, logs
  // or kills would run unseen in the kernel.
  std::mt19937_64 rng(20261204);
  const char* ops[] = {"eq", "ne", "lt", "le", "gt", "ge", "mask_all", "mask_any", "mask_none", "in"};
  const char* lists[] = {"allow", "deny", "kill", "log"};
  const char* defaults[] = {"allow", "deny", "kill"};
  const std::vector<std::uint64_t> pool = {0, 1, 3, 0x10, 0x5412, 0x541c, 0x7fffffff, 0x80000000,
                                           kLow, kLow + 1, 0x100005412ULL, 1ULL << 63, ~0ULL};
  auto pick = [&](const auto& v) { return v[rng() % std::size(v)]; };
  std::size_t compiled = 0, accepted = 0;
  for (int round = 0; round < 400; ++round) {
    std::map<std::string, std::string> entries;  // list -> its lines (one key per list)
    std::vector<std::uint64_t> seeds;
    const int nrules = 1 + static_cast<int>(rng() % 4);
    for (int r = 0; r < nrules; ++r) {
      std::string& y = entries[pick(lists)];
      y += "  - { syscall: ioctl, args: [";
      const int nconds = 1 + static_cast<int>(rng() % 2);
      for (int c = 0; c < nconds; ++c) {
        const std::string op = pick(ops);
        const unsigned index = static_cast<unsigned>(rng() % 2) + 1;
        std::string value;
        if (op == "in") {
          const std::uint64_t a = pick(pool), b = pick(pool);
          seeds.insert(seeds.end(), {a, b});
          value = "[" + std::to_string(a) + ", " + std::to_string(b) + "]";
        } else {
          const std::uint64_t a = pick(pool);
          seeds.push_back(a);
          value = std::to_string(a);
        }
        y += std::string(c ? ", " : "") + "{ index: " + std::to_string(index) + ", op: " + op +
             ", value: " + value + " }";
      }
      y += "] }\n";
    }
    std::string y = std::string("version: 1\ndefault: ") + pick(defaults) + "\n";
    for (const auto& [list, lines] : entries) y += list + ":\n" + lines;
    CAPTURE(y);
    const Policy p = load_policy_string(y, "random.yaml");
    if (p.allows_unconditionally(Abi::x86_64, nr("ioctl"))) continue;
    const auto alts = p.register_grants(Abi::x86_64, nr("ioctl"));
    compiled += !alts.empty();
    const auto vals = probes(seeds);
    for (std::uint64_t a1 : vals)
      for (std::uint64_t a2 : {vals[rng() % vals.size()], vals[rng() % vals.size()]}) {
        if (!accepts(alts, {0, a1, a2})) continue;
        ++accepted;
        CAPTURE(a1);
        CAPTURE(a2);
        REQUIRE(silently_allowed(p, nr("ioctl"), {0, a1, a2}));
      }
  }
  // The property must not hold vacuously.
  CHECK(compiled > 100);
  CHECK(accepted > 1000);
}
