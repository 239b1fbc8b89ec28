// The promise catalogue: hygiene of the table (policies/promises.yaml) and the pure check.
// No kernel: calls are fake (abi, nr, args) tuples, paths are what a tracer would resolve.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <random>
#include <cerrno>
#include <set>
#include <stdexcept>

#include "promises.hpp"
#include "syscalls.hpp"

using namespace xpledge;

namespace {

const PromiseCatalogue& cat() { return PromiseCatalogue::builtin(); }

PromiseSet set_of(std::string_view promises) {
  std::string bad;
  const auto s = cat().parse(promises, &bad);
  REQUIRE_MESSAGE(s.has_value(), "unknown promise ", bad);
  return *s;
}

std::uint64_t u(long long v) { return static_cast<std::uint64_t>(v); }

Syscall call(std::string_view name, std::array<std::uint64_t, 6> args = {}, Abi abi = Abi::x86_64) {
  const auto nr = syscall_nr(abi, name);
  REQUIRE_MESSAGE(nr.has_value(), name, " unknown on ", abi_name(abi));
  return Syscall{abi, *nr, args};
}

PromiseCheck check(std::string_view promises, const Syscall& c,
                   std::vector<PathArg> paths = {}, std::int64_t tgid = 0) {
  const CallContext ctx{c, paths};
  return cat().check(set_of(promises), ctx, tgid);
}

bool allowed(std::string_view promises, const Syscall& c, std::vector<PathArg> paths = {},
             std::int64_t tgid = 0) {
  return check(promises, c, std::move(paths), tgid).allowed;
}

std::string needed(std::string_view promises, const Syscall& c, std::vector<PathArg> paths = {},
                   std::int64_t tgid = 0) {
  const auto r = check(promises, c, std::move(paths), tgid);
  CHECK_FALSE(r.allowed);
  return r.needed;
}

Syscall openat(std::uint64_t flags, std::uint64_t mode = 0) {
  return call("openat", {u(AT_FDCWD), 0x1000, flags, mode, 0, 0});
}

PathArg path(std::string p, Access a = Access::read) { return PathArg{std::move(p), a, 0}; }

std::string catalogue_with(std::string_view promise_yaml) {
  return "promises:\n" + std::string(promise_yaml);
}

}  // namespace

// ---- hygiene (STYLE.md practice 9) -----------------------------------------------------------

TEST_CASE("hygiene: the embedded catalogue loads and names the OpenBSD promises") {
  REQUIRE_NOTHROW(cat());
  for (const char* p : {"stdio", "rpath", "wpath", "cpath", "dpath", "tmppath", "inet", "unix",
                        "dns", "proc", "exec", "prot_exec", "id", "fattr", "chown", "flock",
                        "tty", "sendfd", "recvfd", "settime", "error", "vminfo"})
    CHECK_MESSAGE(cat().find(p).has_value(), std::string(p));
  CHECK(cat().size() <= kMaxPromises);
}

TEST_CASE("hygiene: promises are sorted by name, without duplicates") {
  for (std::size_t id = 1; id < cat().size(); ++id)
    CHECK_MESSAGE(cat().name(id - 1) < cat().name(id), cat().name(id - 1), " >= ", cat().name(id));
}

TEST_CASE("hygiene: every promise is documented in one line and grants something") {
  for (std::size_t id = 0; id < cat().size(); ++id) {
    const auto& name = cat().name(id);
    CHECK_MESSAGE(!cat().help(id).empty(), name, " has no help");
    CHECK_MESSAGE(cat().help(id).find('\n') == std::string::npos, name, " help is not one line");
    CHECK_MESSAGE(cat().help(id).size() <= 100, name, " help is longer than 100 characters");
    // `error` is a modifier of the violation action, the one promise with no system calls.
    if (name != "error") CHECK_MESSAGE(!cat().rules(id).empty(), name, " grants nothing");
  }
  REQUIRE(cat().find("error"));
  CHECK(cat().rules(*cat().find("error")).empty());
}

TEST_CASE("hygiene: every syscall named resolves on x86-64") {
  auto resolves = [](const std::string& name, const std::string& where) {
    CHECK_MESSAGE(syscall_nr(Abi::x86_64, name).has_value(), where, ": '", name,
                  "' is not an x86-64 syscall");
  };
  for (std::size_t id = 0; id < cat().size(); ++id)
    for (const auto& r : cat().rules(id)) resolves(r.syscall, cat().name(id));
  for (const auto& n : cat().always_allowed()) resolves(n, "always");
  for (const auto& n : cat().enosys_calls()) resolves(n, "enosys");
  for (const auto& [from, to] : cat().aliases(Abi::i386))
    if (!to.empty()) resolves(to, "aliases.i386." + from);
}

TEST_CASE("hygiene: aliases name calls of their ABI, each once, sorted") {
  for (Abi abi : {Abi::i386, Abi::x32}) {
    const auto& al = cat().aliases(abi);
    for (std::size_t i = 0; i < al.size(); ++i) {
      const auto& names = syscall_names(abi);
      CHECK_MESSAGE(std::binary_search(names.begin(), names.end(), al[i].first), abi_name(abi),
                    ": '", al[i].first, "' is not a syscall of this ABI");
      if (i) CHECK_MESSAGE(al[i - 1].first < al[i].first, "aliases not sorted at ", al[i].first);
    }
  }
}

TEST_CASE("hygiene: no duplicate entries within a promise") {
  for (std::size_t id = 0; id < cat().size(); ++id) {
    std::set<std::pair<std::string, std::string>> seen;
    std::set<std::string> unconditional, limited;
    for (const auto& r : cat().rules(id)) {
      CHECK_MESSAGE(seen.insert({r.syscall, r.limits}).second, cat().name(id), ": ", r.syscall,
                    " listed twice");
      (r.limits.empty() ? unconditional : limited).insert(r.syscall);
    }
    // An unconditional entry makes any limited entry for the same call dead weight.
    for (const auto& s : limited)
      CHECK_MESSAGE(!unconditional.count(s), cat().name(id), ": ", s,
                    " is both unconditional and limited");
  }
}

TEST_CASE("hygiene: always-allowed and ENOSYS calls are not also promise entries") {
  std::set<std::string> special(cat().always_allowed().begin(), cat().always_allowed().end());
  special.insert(cat().enosys_calls().begin(), cat().enosys_calls().end());
  for (std::size_t id = 0; id < cat().size(); ++id)
    for (const auto& r : cat().rules(id))
      CHECK_MESSAGE(!special.count(r.syscall), cat().name(id), ": ", r.syscall,
                    " is always allowed or ENOSYS already");
}

TEST_CASE("hygiene: no cycles, because a promise cannot include another") {
  // The schema has no include: a promise is a flat list. The loader refuses the key, so a cycle
  // cannot be written.
  CHECK_THROWS_WITH_AS(
      PromiseCatalogue::from_yaml(catalogue_with("  - {name: a, help: x, include: [b], syscalls: [read]}\n")),
      doctest::Contains("unknown key 'include'"), std::runtime_error);
}

TEST_CASE("hygiene: no promise lets a child escape the tracer or namespaces in") {
  const PromiseSet all = PromiseSet::all();
  const CallContext untraced{call("clone", {CLONE_UNTRACED | SIGCHLD}), {}};
  CHECK_FALSE(cat().check(all, untraced).allowed);
  const CallContext thread_untraced{
      call("clone", {CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                     CLONE_UNTRACED}),
      {}};
  CHECK_FALSE(cat().check(all, thread_untraced).allowed);
  const CallContext newuser{call("clone", {CLONE_NEWUSER | SIGCHLD}), {}};
  CHECK_FALSE(cat().check(all, newuser).allowed);
  for (const char* never : {"ptrace", "process_vm_readv", "io_uring_setup", "bpf", "mount",
                            "unshare", "setns", "init_module", "reboot", "memfd_create"}) {
    const CallContext c{call(never), {}};
    CHECK_MESSAGE(!cat().check(all, c).allowed, never, " granted by some promise");
  }
}

// ---- loader errors --------------------------------------------------------------------------

TEST_CASE("loader: malformed catalogues are refused with a position and a reason") {
  auto refuses = [](std::string_view yaml, std::string_view what) {
    CHECK_THROWS_WITH_AS(PromiseCatalogue::from_yaml(yaml), doctest::Contains(std::string(what).c_str()),
                         std::runtime_error);
  };
  refuses("promises:\n  - {name: a, help: x, syscalls: [{syscall: fcntl, arg1: {in: [F_GETFF]}}]}\n",
          "promises.yaml:2:");
  refuses("promises:\n  - {name: a, help: x, syscalls: [{syscall: fcntl, arg1: {in: [F_GETFF]}}]}\n",
          "unknown constant 'F_GETFF'");
  refuses("promises:\n  - {name: a, help: x, syscalls: [{syscall: read, open: read}]}\n",
          "'open' limits only calls with open flags");
  // openat2's flags are in a struct: a class read from its pointer register would be a guess
  // that the pre-filter and pledge filters would then test (rule_eval permitted_alternatives).
  refuses("promises:\n  - {name: a, help: x, syscalls: [{syscall: openat2, open: read}]}\n",
          "'open' limits only calls with open flags in a register, not openat2");
  refuses("promises:\n  - {name: a, help: x, syscalls: [{syscall: openat, open: append}]}\n",
          "unknown open class 'append'");
  refuses("promises:\n  - {name: a, help: x, syscalls: [{syscall: socket, arg1: {ignore: [1]}}]}\n",
          "'ignore' goes with 'in'");
  refuses("promises:\n  - {name: a, help: x, syscalls: [{syscall: socket, arg7: {in: [1]}}]}\n",
          "unknown key 'arg7'");
  refuses("promises:\n  - {name: a, help: x, syscalls: [{syscall: socket, arg0: {equals: [1]}}]}\n",
          "unknown condition 'equals'");
  refuses("promises:\n  - {name: a, help: x, syscalls: [{syscall: socket}]}\n",
          "written as the bare syscall name");
  refuses("promises:\n  - {name: a, help: x, syscalls: [{syscall: openat, path: [tmp]}]}\n",
          "expected an absolute path");
  refuses("promises:\n  - {name: a, help: x, syscalls: []}\n  - {name: a, help: y, syscalls: []}\n",
          "promise 'a' listed twice");
  refuses("promises:\n  - {name: a, syscalls: []}\n", "needs name, help and syscalls");
  refuses("aliases: {mips: {x: y}}\npromises: []\n", "unknown ABI 'mips'");
  refuses("version: 1\npromises: []\n", "unknown key 'version'");
  refuses("promises: [\n", "promises.yaml:");
  // Limits are 32-bit (rule_eval.hpp reads them the same on every ABI); paths are trees or
  // files, as the Landlock plan takes them.
  refuses("promises:\n  - {name: a, help: x, syscalls: [{syscall: statx, arg0: {max: 0x100000000}}]}\n",
          "expected a 32-bit value, got '0x100000000'");
  refuses("promises:\n  - {name: a, help: x, syscalls: [{syscall: fchmod, arg1: {in: [0x1ffffffff]}}]}\n",
          "expected a 32-bit value");
  refuses("promises:\n  - {name: a, help: x, syscalls: [{syscall: openat, path: [/tmp/*]}]}\n",
          "expected a literal path or DIR/**, got '/tmp/*'");
  refuses("promises:\n  - {name: a, help: x, syscalls: [{syscall: openat, path: [/a/**/b]}]}\n",
          "expected a literal path or DIR/**");
}

TEST_CASE("one rule engine: a promise limit reads arguments as a policy condition does") {
  const auto c = PromiseCatalogue::from_yaml(
      "promises:\n"
      "  - {name: n, help: x, syscalls: [{syscall: fchmod, arg1: {in: [-1, 0644]}},\n"
      "                                  {syscall: statx, arg0: {max: INT_MAX}},\n"
      "                                  {syscall: ioctl, arg1: {in: [1], ignore: [0x10]}}]}\n");
  PromiseSet n;
  n.add(0);
  auto allowed = [&](const Syscall& s) { return c.check(n, CallContext{s, {}}, 7).allowed; };
  // x86-64: the full register (and so its low half) must hold the value.
  CHECK(allowed(call("fchmod", {3, ~0ull})));
  CHECK_FALSE(allowed(call("fchmod", {3, 0xffffffffull})));
  CHECK_FALSE(allowed(call("fchmod", {3, (1ull << 32) | 0644})));
  CHECK(allowed(call("statx", {u(INT_MAX)})));
  CHECK_FALSE(allowed(call("statx", {1ull << 32})));
  CHECK(allowed(call("ioctl", {0, 0x11})));
  CHECK_FALSE(allowed(call("ioctl", {0, 0x3})));
  // i386: arguments are 32-bit; -1 is 0xffffffff there, as in the policy language.
  CHECK(allowed(call("fchmod", {3, 0xffffffffull}, Abi::i386)));
  CHECK_FALSE(allowed(call("fchmod", {3, 0644 + 1}, Abi::i386)));
}

TEST_CASE("loader: a small catalogue works end to end") {
  const auto c = PromiseCatalogue::from_yaml(
      "always: [exit_group]\n"
      "promises:\n"
      "  - name: lone\n"
      "    help: one call\n"
      "    syscalls: [getpid, {syscall: kill, arg0: {in: [0, self]}}]\n");
  REQUIRE(c.size() == 1);
  PromiseSet lone;
  lone.add(0);
  CHECK(c.check(lone, CallContext{call("getpid"), {}}).allowed);
  CHECK(c.check(PromiseSet{}, CallContext{call("exit_group"), {}}).allowed);
  CHECK(c.check(lone, CallContext{call("kill", {42, SIGTERM}), {}}, 42).allowed);
  CHECK_FALSE(c.check(lone, CallContext{call("kill", {43, SIGTERM}), {}}, 42).allowed);
  CHECK(c.check(PromiseSet{}, CallContext{call("getpid"), {}}).needed == "lone");
}

TEST_CASE("loader: numbers are decimal, 0x hexadecimal or 0 octal, as in C") {
  const auto c = PromiseCatalogue::from_yaml(
      "promises:\n"
      "  - {name: n, help: numbers, syscalls: [{syscall: fchmod, arg1: {in: [0644, 0x10, 17, -1]}}]}\n");
  PromiseSet n;
  n.add(0);
  for (std::uint64_t mode : {0644ull, 16ull, 17ull, ~0ull})
    CHECK_MESSAGE(c.check(n, CallContext{call("fchmod", {3, mode}), {}}).allowed, mode);
  CHECK_FALSE(c.check(n, CallContext{call("fchmod", {3, 644}), {}}).allowed);
  CHECK_THROWS_WITH_AS(
      PromiseCatalogue::from_yaml("promises:\n  - {name: n, help: x, syscalls: [{syscall: fchmod, arg1: {in: [09]}}]}\n"),
      doctest::Contains("unknown constant '09'"), std::runtime_error);
}

// ---- parse / format --------------------------------------------------------------------------

TEST_CASE("parse: space and tab separated names; unknown names are reported") {
  std::string bad;
  const auto s = cat().parse("  stdio\trpath   inet ", &bad);
  REQUIRE(s);
  CHECK(s->has(*cat().find("stdio")));
  CHECK(s->has(*cat().find("rpath")));
  CHECK(s->has(*cat().find("inet")));
  CHECK_FALSE(s->has(*cat().find("wpath")));

  const auto empty = cat().parse("", &bad);
  REQUIRE(empty);
  CHECK(*empty == PromiseSet{});
  CHECK(cat().parse(" \t ", nullptr) == PromiseSet{});

  CHECK_FALSE(cat().parse("stdio bogus rpath", &bad));
  CHECK(bad == "bogus");
  CHECK_FALSE(cat().parse("Stdio", &bad));  // case-sensitive, as OpenBSD
  CHECK(bad == "Stdio");
  CHECK_FALSE(cat().parse("abort", &bad));  // a 2015 promise, gone since
  CHECK_FALSE(cat().parse("stdio,rpath", &bad));
  CHECK(bad == "stdio,rpath");
  CHECK_FALSE(cat().parse("stdio anet", nullptr));  // Cosmopolitan-only, not offered
}

TEST_CASE("format: catalogue order, and a round trip for every promise") {
  CHECK(cat().format(set_of("stdio rpath")) == "rpath stdio");
  CHECK(cat().format(PromiseSet{}) == "");
  for (std::size_t id = 0; id < cat().size(); ++id) {
    PromiseSet one;
    one.add(id);
    CHECK(cat().format(one) == cat().name(id));
    CHECK(cat().parse(cat().format(one), nullptr) == one);
  }
  const std::string every = cat().format(PromiseSet::all());
  const auto back = cat().parse(every, nullptr);
  REQUIRE(back);
  CHECK(cat().format(*back) == every);
}

// ---- behaviour -------------------------------------------------------------------------------

TEST_CASE("always allowed: exit and friends, even under the empty set") {
  for (const char* n : {"exit", "exit_group", "rt_sigreturn", "restart_syscall"}) {
    CHECK_MESSAGE(allowed("", call(n)), n);
    CHECK(cat().allows_unconditionally(PromiseSet{}, Abi::x86_64, *syscall_nr(Abi::x86_64, n)));
  }
  CHECK(needed("", call("getpid")) == "stdio");
  CHECK(needed("", call("write", {1, 0, 1})) == "stdio");
}

TEST_CASE("stdio: I/O on open descriptors and fstat, but no opening") {
  CHECK(allowed("stdio", call("read", {0, 0x1000, 10})));
  CHECK(allowed("stdio", call("write", {1, 0x1000, 10})));
  CHECK(allowed("stdio", call("close", {3})));
  CHECK(allowed("stdio", call("fstat", {3, 0x1000})));
  // glibc's fstat(3, &st): newfstatat(3, "", &st, AT_EMPTY_PATH)
  CHECK(allowed("stdio", call("newfstatat", {3, 0x1000, 0x2000, AT_EMPTY_PATH})));
  CHECK(allowed("stdio", call("statx", {3, 0x1000, AT_EMPTY_PATH, 0x7ff, 0x2000})));
  // ... but stat(path) is rpath, with or without AT_EMPTY_PATH
  CHECK(needed("stdio", call("newfstatat", {u(AT_FDCWD), 0x1000, 0x2000, 0})) == "rpath");
  CHECK(needed("stdio", call("newfstatat", {u(AT_FDCWD), 0x1000, 0x2000, AT_EMPTY_PATH})) ==
        "rpath");
  CHECK(needed("stdio", call("newfstatat", {3, 0x1000, 0x2000, 0})) == "rpath");
  // AT_FDCWD with junk in the high half is still AT_FDCWD to the kernel: refused.
  CHECK_FALSE(allowed("stdio", call("newfstatat", {0xffffff9cull, 0x1000, 0x2000, AT_EMPTY_PATH})));
  CHECK(needed("stdio", openat(O_RDONLY)) == "rpath");
  CHECK(needed("stdio", call("open", {0x1000, O_RDONLY, 0})) == "rpath");
}

TEST_CASE("stdio: fcntl, ioctl, prctl, prlimit, sendto are limited") {
  CHECK(allowed("stdio", call("fcntl", {3, F_GETFD})));
  CHECK(allowed("stdio", call("fcntl", {3, F_DUPFD_CLOEXEC, 10})));
  CHECK(needed("stdio", call("fcntl", {3, F_SETLK, 0x1000})) == "flock");
  CHECK(needed("stdio", call("fcntl", {3, F_SETOWN, 42})) == "proc");
  CHECK(needed("stdio", call("fcntl", {3, 777})) == "");
  CHECK(allowed("stdio", call("ioctl", {0, FIONREAD, 0x1000})));
  CHECK(allowed("stdio", call("ioctl", {0, FIOCLEX})));
  CHECK(allowed("stdio", call("ioctl", {0, TCGETS, 0x1000})));  // isatty()
  CHECK(needed("stdio", call("ioctl", {0, TIOCSWINSZ, 0x1000})) == "tty");
  CHECK(needed("stdio", call("ioctl", {0, TIOCSTI, 0x1000})) == "");
  CHECK(allowed("stdio", call("prctl", {PR_SET_NAME, 0x1000})));
  CHECK_FALSE(allowed("stdio", call("prctl", {PR_SET_DUMPABLE, 1})));
  CHECK(allowed("stdio", call("prlimit64", {0, RLIMIT_NOFILE, 0, 0x1000})));
  CHECK(needed("stdio", call("prlimit64", {0, RLIMIT_NOFILE, 0x1000, 0})) == "id");
  CHECK(allowed("stdio", call("sendto", {3, 0x1000, 10, 0, 0, 0})));
  CHECK(needed("stdio", call("sendto", {3, 0x1000, 10, 0, 0x2000, 16})) == "inet");
  // A sockaddr whose address has a zero low half is still an address.
  CHECK_FALSE(allowed("stdio tty", call("sendto", {3, 0x1000, 10, 0, 0x300000000000ull, 16})));
}

TEST_CASE("stdio: threads yes, fork no; PROT_EXEC needs prot_exec") {
  const std::uint64_t thread = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                               CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |
                               CLONE_CHILD_CLEARTID;
  CHECK(allowed("stdio", call("clone", {thread, 0x1000})));
  CHECK(needed("stdio", call("clone", {SIGCHLD | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID})) ==
        "proc");
  CHECK(needed("stdio", call("fork")) == "proc");
  CHECK(allowed("stdio proc", call("clone", {SIGCHLD})));
  CHECK(allowed("stdio proc", call("clone", {CLONE_VM | CLONE_VFORK | SIGCHLD})));  // posix_spawn
  // clone3 keeps its flags in memory: never granted, answered ENOSYS so glibc uses clone.
  const auto c3 = check("stdio proc", call("clone3", {0x1000, 88}));
  CHECK_FALSE(c3.allowed);
  CHECK(c3.fixed_errno == ENOSYS);
  CHECK(check("stdio", call("openat2", {u(AT_FDCWD), 0x1000, 0x2000, 24})).fixed_errno == ENOSYS);
  CHECK(check("stdio", call("read")).fixed_errno == 0);

  CHECK(allowed("stdio", call("mmap", {0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, u(-1), 0})));
  CHECK(allowed("stdio", call("mprotect", {0x1000, 4096, PROT_NONE})));
  CHECK(needed("stdio", call("mmap", {0, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, 3, 0})) ==
        "prot_exec");
  CHECK(needed("stdio", call("mprotect", {0x1000, 4096, PROT_READ | PROT_EXEC})) == "prot_exec");
  CHECK(allowed("stdio prot_exec", call("mprotect", {0x1000, 4096, PROT_READ | PROT_EXEC})));
}

TEST_CASE("stdio: signals to itself; others need proc") {
  const std::int64_t me = 4242;
  CHECK(allowed("stdio", call("kill", {0, SIGINT}), {}, me));  // its own process group
  CHECK(allowed("stdio", call("kill", {u(me), SIGTERM}), {}, me));
  CHECK(needed("stdio", call("kill", {4243, SIGTERM}), {}, me) == "proc");
  CHECK(needed("stdio", call("kill", {u(-1), SIGTERM}), {}, me) == "proc");
  CHECK(allowed("stdio", call("tgkill", {u(me), 4250, SIGABRT}), {}, me));  // raise(), abort()
  CHECK(needed("stdio", call("tgkill", {4243, 4243, SIGTERM}), {}, me) == "proc");
  // Without the caller's id, `self` fails closed (pid 0 still works).
  CHECK_FALSE(allowed("stdio", call("kill", {u(me), SIGTERM})));
  CHECK(allowed("stdio", call("kill", {0, SIGTERM})));
}

TEST_CASE("stdio + rpath: read-only opens") {
  CHECK(allowed("stdio rpath", openat(O_RDONLY)));
  CHECK(allowed("stdio rpath", openat(O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_DIRECTORY)));
  CHECK(allowed("stdio rpath", call("open", {0x1000, O_RDONLY | O_LARGEFILE})));
  CHECK(needed("stdio rpath", openat(O_WRONLY)) == "wpath");
  CHECK(needed("stdio rpath", openat(O_RDWR)) == "wpath");
  CHECK(needed("stdio rpath", openat(O_RDONLY | O_TRUNC)) == "wpath");
  CHECK(needed("stdio rpath", openat(O_RDONLY | O_CREAT, 0644)) == "cpath");
  CHECK(needed("stdio rpath", openat(O_TMPFILE | O_RDWR, 0600)) == "cpath");
  CHECK(allowed("stdio rpath", call("getdents64", {3, 0x1000, 4096})));
  CHECK(allowed("stdio rpath", call("readlink", {0x1000, 0x2000, 100})));
  CHECK(allowed("stdio rpath", call("getcwd", {0x1000, 100})));
  CHECK(allowed("stdio rpath", call("chdir", {0x1000})));
  CHECK(needed("stdio rpath", call("mkdir", {0x1000, 0755})) == "cpath");
  // The tracer's reading of the access can only make a call stricter.
  CHECK_FALSE(allowed("stdio rpath", openat(O_RDONLY), {path("/etc/passwd", Access::write)}));
  CHECK(allowed("stdio rpath", openat(O_RDONLY), {path("/etc/passwd", Access::read)}));
}

TEST_CASE("wpath: writes to existing files, and does not imply rpath") {
  CHECK(allowed("stdio wpath", openat(O_WRONLY)));
  CHECK(allowed("stdio wpath", openat(O_WRONLY | O_TRUNC)));
  CHECK(allowed("stdio wpath", openat(O_RDWR)));
  CHECK(needed("stdio wpath", openat(O_RDONLY)) == "rpath");
  CHECK(needed("stdio wpath", openat(O_WRONLY | O_CREAT, 0644)) == "cpath");
  CHECK(needed("stdio wpath", openat(O_RDWR | O_TMPFILE, 0600)) == "cpath");
  CHECK(allowed("wpath", call("truncate", {0x1000, 0})));
  CHECK(needed("rpath", call("truncate", {0x1000, 0})) == "wpath");
}

TEST_CASE("cpath: O_CREAT and making or removing names") {
  CHECK(needed("stdio rpath wpath", openat(O_WRONLY | O_CREAT | O_TRUNC, 0644)) == "cpath");
  CHECK(allowed("cpath", openat(O_WRONLY | O_CREAT | O_TRUNC, 0644)));
  CHECK(allowed("cpath", openat(O_RDONLY | O_CREAT, 0600)));
  CHECK(allowed("cpath", openat(O_RDWR | O_TMPFILE, 0600)));
  CHECK_FALSE(allowed("cpath", openat(O_WRONLY | O_CREAT, 04755)));  // setuid: never via pledge
  CHECK_FALSE(allowed("cpath", call("creat", {0x1000, 02755})));
  CHECK(allowed("cpath", call("creat", {0x1000, 0644})));
  for (const char* n : {"mkdir", "rmdir", "unlink", "unlinkat", "rename", "renameat2", "link",
                        "symlink", "mkdirat"})
    CHECK_MESSAGE(needed("stdio rpath wpath", call(n)) == "cpath", n);
  CHECK(needed("stdio cpath", call("mknod", {0x1000, S_IFIFO | 0600, 0})) == "dpath");
}

TEST_CASE("path-limited entries: /dev/null and time zones under stdio, /tmp under tmppath") {
  CHECK(cat().needs_paths(set_of("stdio"), Abi::x86_64, *syscall_nr(Abi::x86_64, "openat")));
  CHECK_FALSE(cat().needs_paths(set_of("stdio"), Abi::x86_64, *syscall_nr(Abi::x86_64, "read")));
  CHECK_FALSE(cat().needs_paths(set_of("rpath"), Abi::x86_64, *syscall_nr(Abi::x86_64, "openat")));

  CHECK(allowed("stdio", openat(O_WRONLY | O_CREAT | O_TRUNC, 0666), {path("/dev/null", Access::create)}));
  CHECK(allowed("stdio", openat(O_RDONLY), {path("/etc/localtime")}));
  CHECK(allowed("stdio", openat(O_RDONLY), {path("/usr/share/zoneinfo/Asia/Ulaanbaatar")}));
  CHECK(needed("stdio", openat(O_RDONLY), {path("/usr/share/zoneinfoX")}) == "rpath");
  // glibc's malloc reads it on its own when a thread's heap shrinks (arena.c).
  CHECK(allowed("stdio", openat(O_RDONLY), {path("/proc/sys/vm/overcommit_memory")}));
  CHECK(needed("stdio", openat(O_WRONLY), {path("/proc/sys/vm/overcommit_memory", Access::write)}) == "wpath");
  CHECK(needed("stdio", openat(O_RDONLY), {path("/proc/sys/vm/overcommit_ratio")}) == "rpath");
  CHECK(needed("stdio", openat(O_WRONLY), {path("/etc/localtime", Access::write)}) == "wpath");
  // Without resolved paths a path-limited entry does not apply.
  CHECK(needed("stdio", openat(O_WRONLY)) == "wpath");
  // A path the tracer could not read never matches.
  CHECK_FALSE(allowed("stdio", openat(O_RDONLY), {PathArg{"/etc/localtime", Access::read, EFAULT}}));

  const std::uint64_t mkstemp = O_RDWR | O_CREAT | O_EXCL;
  CHECK(allowed("stdio tmppath", openat(mkstemp, 0600), {path("/tmp/fooXXXXXX", Access::create)}));
  CHECK(needed("stdio", openat(mkstemp, 0600), {path("/tmp/fooXXXXXX", Access::create)}) == "cpath");
  CHECK_FALSE(allowed("stdio tmppath", openat(O_RDWR | O_CREAT, 0600), {path("/tmp/x", Access::create)}));
  CHECK_FALSE(allowed("stdio tmppath", openat(mkstemp, 0600), {path("/tmpfoo", Access::create)}));
  CHECK(allowed("stdio tmppath", call("unlink", {0x1000}), {path("/tmp/fooXXXXXX", Access::create)}));
  CHECK(needed("stdio tmppath", call("unlink", {0x1000}), {path("/etc/passwd", Access::create)}) ==
        "cpath");

  // dns reads the resolver's files, nothing else; a violation names rpath, the broader promise.
  CHECK(allowed("stdio dns", openat(O_RDONLY | O_CLOEXEC), {path("/etc/resolv.conf")}));
  CHECK(needed("stdio", openat(O_RDONLY | O_CLOEXEC), {path("/etc/resolv.conf")}) == "rpath");
  CHECK_FALSE(allowed("stdio dns", openat(O_RDONLY), {path("/etc/passwd")}));
}

TEST_CASE("inet, unix, dns: sockets by family, type and protocol") {
  CHECK(allowed("stdio inet", call("socket", {AF_INET, SOCK_STREAM, 0})));
  CHECK(allowed("stdio inet", call("socket", {AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_UDP})));
  CHECK(needed("stdio inet", call("socket", {AF_UNIX, SOCK_STREAM, 0})) == "unix");
  CHECK(needed("stdio inet", call("socket", {AF_INET, SOCK_RAW, IPPROTO_RAW})) == "");
  CHECK(needed("stdio inet", call("socket", {AF_NETLINK, SOCK_RAW, 0})) == "");
  CHECK(needed("stdio", call("socket", {AF_INET, SOCK_STREAM, 0})) == "inet");  // not dns
  CHECK(needed("stdio", call("connect", {3, 0x1000, 16})) == "inet");
  CHECK(allowed("stdio unix", call("socket", {AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0})));
  CHECK_FALSE(allowed("stdio unix", call("socket", {AF_UNIX, SOCK_RAW, 0})));
  CHECK_FALSE(allowed("stdio unix", call("socket", {AF_UNIX, SOCK_STREAM, 1})));
  CHECK_FALSE(allowed("stdio unix", call("socket", {AF_INET, SOCK_STREAM, 0})));
  CHECK(allowed("stdio dns", call("socket", {AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0})));
  CHECK(allowed("stdio", call("socketpair", {AF_UNIX, SOCK_STREAM, 0, 0x1000})));
  CHECK_FALSE(allowed("stdio", call("socketpair", {AF_INET, SOCK_STREAM, 0, 0x1000})));
  CHECK(needed("stdio inet", call("sendmsg", {3, 0x1000, 0})) == "sendfd");
  CHECK(needed("stdio inet", call("recvmsg", {3, 0x1000, 0})) == "recvfd");
}

TEST_CASE("other promises: exec, id, fattr, chown, settime, tty") {
  CHECK(needed("stdio", call("execve")) == "exec");
  CHECK(needed("stdio proc", call("setuid", {0})) == "id");
  CHECK(needed("stdio", call("fchmod", {3, 0644})) == "fattr");
  CHECK(allowed("fattr", call("fchmod", {3, 0644})));
  CHECK_FALSE(allowed("fattr", call("fchmod", {3, 04755})));
  CHECK(needed("stdio fattr", call("fchown", {3, 0, 0})) == "chown");
  CHECK(needed("stdio", call("settimeofday")) == "settime");
  CHECK(allowed("tty", call("ioctl", {0, TCSETSW, 0x1000})));
  CHECK(allowed("stdio tty", call("openat", {u(AT_FDCWD), 0x1000, O_RDWR, 0}),
                {path("/dev/tty", Access::write)}));
}

// Issue 23: calls newer than libseccomp sit with their older twins; unknown numbers get ENOSYS.
TEST_CASE("calls newer than libseccomp: with their twins; unknown numbers get ENOSYS") {
  CHECK(allowed("stdio", call("mseal")));
  CHECK(needed("stdio", call("getxattrat")) == "rpath");
  CHECK(needed("stdio", call("listxattrat")) == "rpath");
  CHECK(needed("stdio", call("file_getattr")) == "rpath");
  CHECK(needed("stdio", call("setxattrat")) == "fattr");
  CHECK(needed("stdio", call("removexattrat")) == "fattr");
  CHECK(needed("stdio", call("file_setattr")) == "fattr");
  CHECK(allowed("", call("uretprobe")));  // always: issued by the kernel's own trampolines
  CHECK(check("stdio rpath", call("listmount")).fixed_errno == 0);  // no promise: a violation
  CHECK_FALSE(allowed("stdio rpath wpath cpath", call("open_tree_attr")));
  CHECK(allowed("stdio", call("mseal", {}, Abi::i386)));  // governed by name on i386 too
  for (std::int64_t nr : {400L, 999L, 20000L}) {
    const PromiseCheck c = cat().check(set_of("stdio"), CallContext{Syscall{Abi::x86_64, nr, {}}, {}});
    CHECK_FALSE(c.allowed);
    CHECK(c.fixed_errno == ENOSYS);
  }
}

TEST_CASE("other ABIs are governed by name") {
  // i386: open is nr 5, fcntl64 221, mmap2 192, socket 359; old_mmap (90) and socketcall (102)
  // keep their arguments in memory and are never granted.
  CHECK(allowed("rpath", call("open", {0x1000, O_RDONLY | O_LARGEFILE}, Abi::i386)));
  CHECK(needed("rpath", call("open", {0x1000, O_WRONLY}, Abi::i386)) == "wpath");
  CHECK(allowed("stdio", call("fcntl64", {3, F_GETFD}, Abi::i386)));
  CHECK(needed("stdio", call("fcntl64", {3, 13 /* F_SETLK64 */}, Abi::i386)) == "flock");
  CHECK(allowed("stdio", call("mmap2", {0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS}, Abi::i386)));
  CHECK(needed("stdio", call("mmap2", {0, 4096, PROT_EXEC, MAP_PRIVATE}, Abi::i386)) == "prot_exec");
  const Syscall old_mmap{Abi::i386, 90, {0x1000}};
  CHECK_FALSE(cat().check(PromiseSet::all(), CallContext{old_mmap, {}}).allowed);
  const Syscall socketcall{Abi::i386, 102, {1, 0x1000}};
  CHECK_FALSE(cat().check(PromiseSet::all(), CallContext{socketcall, {}}).allowed);
  const Syscall i386_socket{Abi::i386, 359, {AF_INET, SOCK_STREAM, 0}};
  CHECK(cat().check(set_of("inet"), CallContext{i386_socket, {}}).allowed);
  CHECK(allowed("stdio", call("clock_gettime64", {1, 0x1000}, Abi::i386)));
  CHECK(allowed("", call("sigreturn", {}, Abi::i386)));  // always allowed, through its alias
  CHECK(allowed("stdio", call("getuid32", {}, Abi::i386)));
  // x32 numbers carry kX32SyscallBit; names are the x86-64 ones.
  CHECK(allowed("stdio", call("read", {0, 0x1000, 1}, Abi::x32)));
  CHECK(needed("stdio", call("openat", {u(AT_FDCWD), 0x1000, O_RDONLY}, Abi::x32)) == "rpath");
  // A number no ABI knows is allowed by nothing.
  CHECK_FALSE(cat().check(PromiseSet::all(), CallContext{Syscall{Abi::x86_64, 10000, {}}, {}}).allowed);
}

TEST_CASE("allows_unconditionally: only entries without limits") {
  auto nr = [](const char* n) { return *syscall_nr(Abi::x86_64, n); };
  CHECK(cat().allows_unconditionally(set_of("stdio"), Abi::x86_64, nr("read")));
  CHECK_FALSE(cat().allows_unconditionally(set_of("stdio"), Abi::x86_64, nr("fcntl")));
  CHECK_FALSE(cat().allows_unconditionally(set_of("stdio"), Abi::x86_64, nr("openat")));
  CHECK_FALSE(cat().allows_unconditionally(set_of("rpath"), Abi::x86_64, nr("openat")));
  CHECK(cat().allows_unconditionally(set_of("rpath"), Abi::x86_64, nr("getdents64")));
  CHECK(cat().allows_unconditionally(set_of("stdio prot_exec"), Abi::x86_64, nr("mmap")));
  CHECK_FALSE(cat().allows_unconditionally(set_of("stdio"), Abi::x86_64, nr("mmap")));
  CHECK_FALSE(cat().allows_unconditionally(set_of("stdio"), Abi::x86_64, nr("socket")));
  CHECK(cat().allows_unconditionally(PromiseSet{}, Abi::x86_64, nr("exit_group")));
  CHECK_FALSE(cat().allows_unconditionally(PromiseSet{}, Abi::x86_64, nr("getpid")));
  CHECK_FALSE(cat().allows_unconditionally(PromiseSet::all(), Abi::x86_64, nr("clone3")));
}

TEST_CASE("register_grants: the register-only limits, in the shape BPF tests") {
  auto nr = [](const char* n) { return *syscall_nr(Abi::x86_64, n); };
  const auto mmap = cat().register_grants(set_of("stdio"), Abi::x86_64, nr("mmap"));
  REQUIRE(mmap.size() == 1);
  CHECK(mmap[0] == std::vector<ArgTest>{{2, false, ~u(PROT_READ | PROT_WRITE), 0}});
  // Allowed whatever the arguments, not allowed at all, or limited by what only the tracer
  // sees (paths, the caller's pid): no register alternative.
  CHECK(cat().register_grants(set_of("stdio"), Abi::x86_64, nr("read")).empty());
  CHECK(cat().register_grants(set_of(""), Abi::x86_64, nr("mmap")).empty());
  CHECK(cat().register_grants(set_of("stdio"), Abi::x86_64, nr("openat")).empty());
  // An open class is the flags register's: rpath's reads are one masked test (no O_CREAT,
  // O_TMPFILE, O_TRUNC, access mode O_RDONLY); open(2) has its flags in arg1.
  const std::uint64_t read_mask = O_CREAT | kKernelTmpfileBit | O_ACCMODE | O_TRUNC;
  CHECK(cat().register_grants(set_of("rpath"), Abi::x86_64, nr("openat")) ==
        ArgAlternatives{{{2, false, read_mask, 0}}});
  CHECK(cat().register_grants(set_of("rpath"), Abi::x86_64, nr("open")) ==
        ArgAlternatives{{{1, false, read_mask, 0}}});
  CHECK(cat().register_grants(set_of("stdio"), Abi::x86_64, nr("kill")).empty());
  // One `in` limit: one alternative per value.
  const auto ioctl = cat().register_grants(set_of("stdio"), Abi::x86_64, nr("ioctl"));
  CHECK(ioctl.size() >= 5);
  for (const auto& alt : ioctl) REQUIRE(alt.size() >= 1);
}

TEST_CASE("register_grants agrees with check(): never wider, and complete where nothing else limits") {
  // The stacked pledge filter allows a call in the kernel when one alternative holds; the
  // supervisor never sees it. So every such call must be one check() allows.
  std::mt19937_64 rng(20261204);
  const std::vector<std::uint64_t> base = {0, 1, 2, 3, 4, 7, 0x10, u(PROT_EXEC),
                                           u(PROT_READ | PROT_WRITE), u(PROT_READ | PROT_EXEC),
                                           u(MAP_FIXED | MAP_PRIVATE), u(MAP_SHARED), u(INT_MAX),
                                           0xffffffffull, 1ull << 32, ~0ull, u(AT_FDCWD)};
  long tried = 0, held = 0, wider = 0;
  std::string first_wider;
  for (const char* promises : {"stdio", "stdio rpath wpath cpath", "stdio inet unix dns",
                               "stdio proc", "stdio tty", "stdio prot_exec id"}) {
    const PromiseSet set = set_of(promises);
    for (const std::string& name : syscall_names(Abi::x86_64)) {
      const auto nr = *syscall_nr(Abi::x86_64, name);
      const auto alts = cat().register_grants(set, Abi::x86_64, nr);
      if (alts.empty()) continue;
      std::vector<std::uint64_t> pool = base;
      for (const auto& alt : alts)
        for (const ArgTest& t : alt) {
          pool.insert(pool.end(), {t.value, t.value | 1, t.value + 1, ~t.mask, t.mask});
        }
      for (int k = 0; k < 400; ++k) {
        std::array<std::uint64_t, 6> args{};
        for (auto& a : args) a = k % 7 == 6 ? rng() : pool[rng() % pool.size()];
        // Half the samples satisfy one alternative exactly, so the allowed side is exercised.
        if (k % 2 == 0) {
          const auto& alt = alts[rng() % alts.size()];
          for (const ArgTest& t : alt)
            args[t.arg] = t.at_most ? t.value - (rng() % 2 ? 0 : std::min<std::uint64_t>(t.value, 3))
                                    : (t.value | (rng() & ~t.mask));
        }
        const bool holds = std::any_of(alts.begin(), alts.end(), [&](const auto& alt) {
          return std::all_of(alt.begin(), alt.end(), [&](const ArgTest& t) {
            return t.at_most ? args[t.arg] <= t.value : (args[t.arg] & t.mask) == t.value;
          });
        });
        ++tried;
        if (!holds) continue;
        ++held;
        if (!cat().check(set, CallContext{Syscall{Abi::x86_64, nr, args}, {}}, 0).allowed) {
          ++wider;
          if (first_wider.empty()) first_wider = std::string(promises) + ": " + name;
        }
      }
    }
  }
  CHECK_MESSAGE(wider == 0, "the BPF alternatives allow what check() denies, first: ", first_wider);
  CHECK(held > tried / 4);  // the allowed side was really exercised
  // Complete for the calls whose limits are all register tests: what check() allows, some
  // alternative allows (so these never stop).
  auto holds_for = [&](std::string_view promises, const Syscall& c) {
    const auto alts = cat().register_grants(set_of(promises), c.abi, c.nr);
    return std::any_of(alts.begin(), alts.end(), [&](const auto& alt) {
      return std::all_of(alt.begin(), alt.end(), [&](const ArgTest& t) {
        return t.at_most ? c.args[t.arg] <= t.value : (c.args[t.arg] & t.mask) == t.value;
      });
    });
  };
  for (const Syscall& c : {call("mmap", {0, 4096, u(PROT_READ | PROT_WRITE), u(MAP_PRIVATE | MAP_ANONYMOUS)}),
                           call("mprotect", {0x7f0000000000, 4096, u(PROT_READ)}),
                           call("ioctl", {0, u(FIONREAD), 0}),
                           call("fcntl", {3, u(F_GETFD), 0})}) {
    REQUIRE(allowed("stdio", c));
    CHECK_MESSAGE(holds_for("stdio", c), syscall_name(c.abi, c.nr));
  }
  CHECK_FALSE(holds_for("stdio", call("mmap", {0, 4096, u(PROT_READ | PROT_EXEC), u(MAP_PRIVATE)})));
  CHECK_FALSE(holds_for("stdio", call("mprotect", {0x7f0000000000, 4096, u(PROT_EXEC)})));
}

TEST_CASE("describe: what `xpledge promises` prints") {
  const std::string all = cat().describe();
  CHECK(all.find("always allowed: exit exit_group restart_syscall rt_sigreturn") != std::string::npos);
  CHECK(all.find("\nstdio: basic I/O") != std::string::npos);
  CHECK(all.find("  fcntl if arg1 in {F_DUPFD, F_DUPFD_CLOEXEC") != std::string::npos);
  CHECK(all.find("  openat if open read") != std::string::npos);
  CHECK(all.find("  socket if arg0 in {AF_INET, AF_INET6}; arg1 & ~{SOCK_NONBLOCK, SOCK_CLOEXEC} in") !=
        std::string::npos);
  const std::string error = cat().describe(cat().find("error"));
  CHECK(error.rfind("error: ", 0) == 0);
  CHECK(error.find("(no system calls)") != std::string::npos);
  CHECK(error.find("always allowed") == std::string::npos);
  const std::string rpath = cat().describe(cat().find("rpath"));
  CHECK(rpath.find("getdents64") != std::string::npos);
  CHECK(rpath.find("stdio") == std::string::npos);
}
