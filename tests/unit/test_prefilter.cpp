#include <doctest/doctest.h>

#include <linux/audit.h>
#include <linux/filter.h>

#include <cstring>
#include <sys/mman.h>
#include <string>
#include <vector>

#include "bpf_interp.hpp"
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

// With exec path rules, mmap/mprotect asking for PROT_EXEC stop (the file is judged, issue 17
// item 3); without, and without PROT_EXEC, they run unseen as before.
TEST_CASE("pre-filter: PROT_EXEC mappings stop only under exec path rules") {
  std::string error;
  const auto with = bpf::Filter::from_bytes(build_prefilter(
      load_policy_string("version: 1\ndefault: allow\ndeny:\n"
                         "  - { syscall: execve, path: [/srv/bin/**] }\n",
                         "p.yaml"),
      error));
  REQUIRE(error.empty());
  const auto without = bpf::Filter::from_bytes(
      build_prefilter(load_policy_string("version: 1\ndefault: allow\n", "q.yaml"), error));
  REQUIRE(error.empty());
  const auto run = [](const bpf::Filter& prog, const char* name, std::uint64_t prot) {
    seccomp_data d{};
    d.nr = static_cast<int>(*syscall_nr(Abi::x86_64, name));
    d.arch = AUDIT_ARCH_X86_64;
    d.args[0] = 0x7f0000000000;  // above the path scratch area: mmap's limit holds
    d.args[1] = 4096;
    d.args[2] = prot;
    d.args[3] = MAP_PRIVATE;
    d.args[4] = 3;
    const auto r = prog.run(d);
    REQUIRE(r);
    return r->ret & SECCOMP_RET_ACTION_FULL;
  };
  for (const char* name : {"mmap", "mprotect", "pkey_mprotect"}) {
    CAPTURE(name);
    CHECK(run(with, name, PROT_READ | PROT_EXEC) == SECCOMP_RET_TRACE);
    CHECK(run(with, name, PROT_READ | PROT_WRITE) == SECCOMP_RET_ALLOW);
    CHECK(run(without, name, PROT_READ | PROT_EXEC) == SECCOMP_RET_ALLOW);
  }
}
