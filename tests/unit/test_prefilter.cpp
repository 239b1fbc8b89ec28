#include <doctest/doctest.h>

#include <linux/audit.h>
#include <fcntl.h>
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

namespace {

// The action a filter takes on one x86-64 (or i386) open call with these flags.
std::uint32_t open_action(const bpf::Filter& prog, const char* name, std::uint64_t flags,
                          Abi abi = Abi::x86_64) {
  seccomp_data d{};
  d.nr = static_cast<int>(*syscall_nr(abi, name));
  d.arch = abi == Abi::i386 ? AUDIT_ARCH_I386 : AUDIT_ARCH_X86_64;
  const bool open = std::strcmp(name, "open") == 0;
  d.args[0] = open ? 0x10000 : static_cast<std::uint64_t>(AT_FDCWD) & 0xffffffff;
  d.args[open ? 1 : 2] = flags;
  d.args[open ? 2 : 3] = 0644;
  const auto r = prog.run(d);
  REQUIRE(r);
  return r->ret & SECCOMP_RET_ACTION_FULL;
}

bpf::Filter prefilter_of(const std::string& yaml) {
  std::string error;
  auto bytes = build_prefilter(load_policy_string(yaml, "p.yaml"), error);
  REQUIRE(error.empty());
  return bpf::Filter::from_bytes(bytes);
}

bpf::Filter pledge_filter_of(const char* promises) {
  const auto set = PromiseCatalogue::builtin().parse(promises, nullptr);
  REQUIRE(set);
  std::string error;
  auto bytes = build_pledge_filter(PromiseCatalogue::builtin(), *set, error);
  REQUIRE(error.empty());
  return bpf::Filter::from_bytes(bytes);
}

constexpr std::uint64_t kTmpfileBit = 020000000;  // the kernel's __O_TMPFILE (O_TMPFILE has O_DIRECTORY too)

}  // namespace

// rpath lets an open read any path: a read-only open/openat is decided by its flags register, so
// neither the pre-filter of a promise policy nor the pledge filter stops it (it stopped at every
// openat before). Whatever needs a path or another promise still stops.
TEST_CASE("pre-filter: rpath's read-only opens run unseen, every other open class stops") {
  const std::string promises = "version: 1\ndefault: deny\nerrno: EUCLEAN\npromises: [stdio, rpath]\n";
  for (const auto& [what, prog] :
       {std::pair{"policy", prefilter_of(promises)}, std::pair{"pledge", pledge_filter_of("stdio rpath")}}) {
    CAPTURE(what);
    for (const char* name : {"openat", "open"}) {
      CAPTURE(name);
      for (std::uint64_t flags : {std::uint64_t{O_RDONLY}, std::uint64_t{O_RDONLY | O_CLOEXEC},
                                  std::uint64_t{O_PATH}, std::uint64_t{O_DIRECTORY | O_NOFOLLOW},
                                  std::uint64_t{O_RDONLY} | (std::uint64_t{1} << 40)})
        CHECK(open_action(prog, name, flags) == SECCOMP_RET_ALLOW);
      // Write (stdio's /dev/null, tty's /dev/tty), truncate, create (O_CREAT even with read
      // access), O_TMPFILE: the supervisor judges them.
      for (std::uint64_t flags : {std::uint64_t{O_WRONLY}, std::uint64_t{O_RDWR}, std::uint64_t{O_ACCMODE},
                                  std::uint64_t{O_RDONLY | O_TRUNC}, std::uint64_t{O_RDONLY | O_CREAT},
                                  std::uint64_t{O_TMPFILE | O_RDWR}, kTmpfileBit,
                                  std::uint64_t{O_PATH | O_CREAT}})
        CHECK(open_action(prog, name, flags) == SECCOMP_RET_TRACE);
    }
    // i386 (and x32) registers are not tested by these filters: their opens keep stopping.
    CHECK(open_action(prog, "openat", O_RDONLY, Abi::i386) == SECCOMP_RET_TRACE);
    CHECK(open_action(prog, "openat", O_RDONLY, Abi::x32) == SECCOMP_RET_TRACE);
    // openat2's flags are in memory: it stops (and is answered ENOSYS).
    CHECK(open_action(prog, "openat2", 0) == SECCOMP_RET_TRACE);
  }
  // Without rpath, stdio's reads are path-limited (/etc/localtime...): every open stops.
  CHECK(open_action(pledge_filter_of("stdio"), "openat", O_RDONLY) == SECCOMP_RET_TRACE);
  // wpath adds the write class, cpath the create one (without setuid/setgid/sticky modes).
  const auto wc = pledge_filter_of("stdio rpath wpath cpath");
  CHECK(open_action(wc, "openat", O_WRONLY) == SECCOMP_RET_ALLOW);
  CHECK(open_action(wc, "openat", O_RDWR | O_TRUNC) == SECCOMP_RET_ALLOW);
  CHECK(open_action(wc, "openat", O_WRONLY | O_CREAT | O_TRUNC) == SECCOMP_RET_ALLOW);
}

// A path rule, a log rule or a kill rule on openat anywhere in the policy means the path (or
// the log) matters: read-only opens stop again.
TEST_CASE("pre-filter: rpath's opens stop under a policy that judges or logs them") {
  const std::string base = "version: 1\ndefault: deny\nerrno: EUCLEAN\npromises: [stdio, rpath]\n";
  CHECK(open_action(prefilter_of(base + "deny:\n  - { syscall: openat, path: [/srv/secret/**] }\n"),
                    "openat", O_RDONLY) == SECCOMP_RET_TRACE);
  // A path deny on another call of the family covers openat too (index_rules).
  CHECK(open_action(prefilter_of(base + "deny:\n  - { syscall: open, path: [/srv/secret/**] }\n"),
                    "openat", O_RDONLY) == SECCOMP_RET_TRACE);
  const auto logged = prefilter_of(
      base + "log:\n  - { syscall: openat, args: [{ index: 2, op: mask_all, value: O_CLOEXEC }] }\n");
  CHECK(open_action(logged, "openat", O_RDONLY | O_CLOEXEC) == SECCOMP_RET_TRACE);
  CHECK(open_action(logged, "openat", O_RDONLY) == SECCOMP_RET_ALLOW);
  CHECK(open_action(prefilter_of(base + "log: [openat]\n"), "openat", O_RDONLY) ==
        SECCOMP_RET_TRACE);
}

// An allow rule with a path narrows nothing (a call it does not match falls through to the
// promises): read-only-fs.yaml's writable /dev/null and ttys left every openat stopping.
TEST_CASE("pre-filter: an allow path rule keeps rpath's read-only opens unseen") {
  const auto prog = prefilter_of(
      "version: 1\ndefault: deny\nerrno: EUCLEAN\npromises: [stdio, rpath]\nallow:\n"
      "  - { syscall: openat, path: [/dev/null], access: write }\n");
  CHECK(open_action(prog, "openat", O_RDONLY) == SECCOMP_RET_ALLOW);
  CHECK(open_action(prog, "openat", O_WRONLY) == SECCOMP_RET_TRACE);
  CHECK(open_action(prog, "openat", O_RDWR | O_CREAT) == SECCOMP_RET_TRACE);
}
