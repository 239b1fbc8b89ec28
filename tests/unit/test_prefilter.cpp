#include <doctest/doctest.h>

#include <linux/filter.h>

#include <cstring>
#include <string>
#include <vector>

#include "policy_load.hpp"
#include "prefilter.hpp"
#include "promises.hpp"
#include "syscalls.hpp"

using namespace xpledge;

namespace {

// Does the exported program compare the syscall number with `nr` anywhere (BPF_JEQ|BPF_K)?
// libseccomp emits one such comparison per syscall that has a rule.
bool compares_with(const std::vector<unsigned char>& prog, std::uint32_t nr) {
  REQUIRE(prog.size() % sizeof(sock_filter) == 0);
  for (std::size_t off = 0; off < prog.size(); off += sizeof(sock_filter)) {
    sock_filter ins;
    std::memcpy(&ins, prog.data() + off, sizeof ins);
    if (ins.code == (BPF_JMP | BPF_JEQ | BPF_K) && ins.k == nr) return true;
  }
  return false;
}

}  // namespace

// libseccomp 2.5.4 cannot resolve mseal's name; the filter must carry its number anyway, or an
// allowed mseal would stop at every call and a policy could never let it run at full speed.
TEST_CASE("pre-filter: calls only the supplement names are filtered by number on x86-64") {
  const auto nr = syscall_nr(Abi::x86_64, "mseal");
  REQUIRE(nr);
  REQUIRE_FALSE(libseccomp_syscall_nr(Abi::x86_64, "mseal"));
  std::string error;
  const auto allowed = build_prefilter(
      load_policy_string("version: 1\ndefault: deny\nallow: [read, mseal]\n", "p.yaml"), error);
  REQUIRE(error.empty());
  CHECK(compares_with(allowed, static_cast<std::uint32_t>(*nr)));
  CHECK(compares_with(allowed, 0));  // read
  const auto denied = build_prefilter(
      load_policy_string("version: 1\ndefault: deny\nallow: [read]\n", "p.yaml"), error);
  REQUIRE(error.empty());
  CHECK_FALSE(compares_with(denied, static_cast<std::uint32_t>(*nr)));
  // The pledge filter is built the same way: stdio holds mseal (policies/promises.yaml).
  const auto stdio = PromiseCatalogue::builtin().parse("stdio", nullptr);
  REQUIRE(stdio);
  const auto pledge = build_pledge_filter(PromiseCatalogue::builtin(), *stdio, error);
  REQUIRE(error.empty());
  CHECK(compares_with(pledge, static_cast<std::uint32_t>(*nr)));
}
