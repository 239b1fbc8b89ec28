// xpledge learn without a kernel: fake CallRecords in, a policy out; the policy must load and
// allow exactly what was recorded (plus the documented generalisations).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <string>
#include <vector>

#include "learn.hpp"
#include "policy_load.hpp"
#include "promises.hpp"
#include "syscalls.hpp"

using namespace xpledge;

namespace {

constexpr pid_t kPid = 4242;

std::uint64_t u(long long v) { return static_cast<std::uint64_t>(v); }

Syscall call(std::string_view name, std::array<std::uint64_t, 6> args = {}, Abi abi = Abi::x86_64) {
  const auto nr = syscall_nr(abi, name);
  REQUIRE_MESSAGE(nr.has_value(), name, " unknown on ", abi_name(abi));
  return Syscall{abi, *nr, args};
}

CallRecord rec(std::string_view name, std::array<std::uint64_t, 6> args = {},
               std::vector<PathArg> paths = {}, Abi abi = Abi::x86_64, pid_t pid = kPid) {
  CallRecord r;
  r.pid = pid;
  r.tid = pid;
  r.call = call(name, args, abi);
  r.paths = std::move(paths);
  return r;
}

PathArg path(std::string p, Access a = Access::read) { return PathArg{std::move(p), a, 0}; }

// open(2)-style records: openat(AT_FDCWD, path, flags)
CallRecord open_rec(const std::string& p, int flags, pid_t pid = kPid) {
  const Access a = (flags & O_CREAT) ? Access::create
                   : ((flags & O_ACCMODE) != O_RDONLY) ? Access::write
                                                       : Access::read;
  return rec("openat", {u(AT_FDCWD), 0x1000, u(flags), 0, 0, 0}, {path(p, a)}, Abi::x86_64, pid);
}

LearnOptions opts() {
  LearnOptions o;
  o.command = {"prog", "--flag", "it's"};
  o.version = "0.1.0";
  o.home = "/home/ann";
  return o;
}

// A typical dynamically linked program reading one file.
std::vector<CallRecord> typical() {
  return {
      rec("brk"),
      rec("mmap", {0, 4096, u(PROT_READ | PROT_EXEC), u(MAP_PRIVATE), 3, 0}),
      rec("mmap", {0, 4096, u(PROT_READ | PROT_WRITE), u(MAP_PRIVATE | MAP_ANONYMOUS), u(-1), 0}),
      rec("mprotect", {0x1000, 4096, u(PROT_READ), 0, 0, 0}),
      open_rec("/etc/ld.so.cache", O_RDONLY | O_CLOEXEC),
      open_rec("/usr/lib/x86_64-linux-gnu/libc.so.6", O_RDONLY | O_CLOEXEC),
      open_rec("/usr/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libc.so.6", O_RDONLY | O_CLOEXEC),
      open_rec("/etc/passwd", O_RDONLY | O_CLOEXEC),
      rec("read", {3, 0x1000, 100, 0, 0, 0}),
      rec("getdents64", {3, 0x1000, 4096, 0, 0, 0}),
      rec("write", {1, 0x1000, 10, 0, 0, 0}),
      rec("close", {3, 0, 0, 0, 0, 0}),
      rec("exit_group"),
  };
}

std::string learn(const std::vector<CallRecord>& records, const LearnOptions& o = opts(),
                  std::vector<std::string>* warnings = nullptr) {
  Learner l;
  for (const auto& r : records) l.on_call(r);
  return l.policy_yaml(o, warnings);
}

Policy load(const std::string& yaml) {
  try {
    return load_policy_string(yaml, "learned.yaml");
  } catch (const PolicyError& e) {
    std::string msg;
    for (const auto& d : e.diagnostics()) msg += d.format() + "\n";
    FAIL("learned policy does not load:\n", msg, "\n", yaml);
    throw;
  }
}

Verdict eval(const Policy& p, const CallRecord& r) {
  CallContext ctx{r.call, r.paths};
  ctx.tgid = r.pid;
  return p.evaluate(ctx);
}

bool allows(const Policy& p, const CallRecord& r) { return eval(p, r).action == Action::allow; }

bool has_line(const std::string& text, const std::string& line) {
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (text.compare(start, end - start, line) == 0) return true;
    start = end + 1;
  }
  return false;
}

std::string without_line(std::string text, const std::string& line) {
  const std::size_t at = text.find("\n" + line + "\n");
  REQUIRE_MESSAGE(at != std::string::npos, "no line '", line, "'");
  return text.erase(at, line.size() + 1);
}

}  // namespace

TEST_CASE("glob_escape makes a path match only itself") {
  CHECK(glob_escape("/etc/passwd") == "/etc/passwd");
  CHECK(glob_escape("/tmp/a*b?[c]\\d") == "/tmp/a\\*b\\?\\[c\\]\\\\d");
}

TEST_CASE("temporary names: random and pid parts become *") {
  const std::set<std::string> pids{"4242"};
  CHECK(generalise_temp_component("ccAbC123.s", pids) == "cc*.s");     // gcc
  CHECK(generalise_temp_component("ccabcdef.o", pids) == "cc*.o");     // gcc, all lower case
  CHECK(generalise_temp_component("tmpab_cd12x", pids) == "tmp*");     // Python tempfile
  CHECK(generalise_temp_component("tmp.AbCdEf1234", pids) == "tmp.*"); // mktemp(1)
  CHECK(generalise_temp_component("xpledge-test_learn.Xy12Ab", pids) == "xpledge-test_learn.*");
  CHECK(generalise_temp_component("sh-thd.4242", pids) == "sh-thd.*");  // a traced pid
  CHECK(generalise_temp_component("job.4243", pids) == "job.4243");     // not a traced pid
  // Ordinary names stay.
  CHECK(generalise_temp_component("hello.c", pids) == "hello.c");
  CHECK(generalise_temp_component("build-x86_64", pids) == "build-x86_64");
  CHECK(generalise_temp_component("output_file.txt", pids) == "output_file.txt");
  CHECK(generalise_temp_component("a[1].txt", pids) == "a\\[1\\].txt");
}

TEST_CASE("generalise_path") {
  const std::set<std::string> pids{"4242", "4243"};
  const LearnOptions o = opts();
  auto g = [&](std::string_view p, Access a = Access::read) {
    return generalise_path(p, a, pids, o).pattern;
  };
  SUBCASE("/proc of a traced process") {
    CHECK(g("/proc/4242/status") == "/proc/[0-9]*/status");
    CHECK(g("/proc/4242/task/4243/comm") == "/proc/[0-9]*/task/[0-9]*/comm");
    CHECK(g("/proc/4242") == "/proc/[0-9]*");
    CHECK(g("/proc/1/status") == "/proc/1/status");  // not traced: literal
    CHECK(g("/proc/self/status") == "/proc/self/status");
  }
  SUBCASE("temporary directories") {
    CHECK(g("/tmp/ccAbC123.s", Access::create) == "/tmp/cc*.s");
    CHECK(g("/tmp/x.Ab12Cd/hello.c") == "/tmp/x.*/hello.c");
    CHECK(g("/var/tmp/tmpab_cd12x") == "/var/tmp/tmp*");
    CHECK(g("/tmp") == "/tmp");
    LearnOptions with_tmpdir = o;
    with_tmpdir.temp_dirs.push_back("/scratch/me/");
    CHECK(generalise_path("/scratch/me/tmp.Ab12Cd9xyz", Access::write, pids, with_tmpdir).pattern ==
          "/scratch/me/tmp.*");
  }
  SUBCASE("$HOME: one level, then **; never for exec") {
    CHECK(g("/home/ann/.cache/fontconfig/x.cache") == "/home/ann/.cache/**");
    CHECK(g("/home/ann/.cache/a", Access::create) == "/home/ann/.cache/**");
    CHECK(g("/home/ann/.bashrc") == "/home/ann/.bashrc");
    CHECK(g("/home/ann/.local/bin/tool", Access::exec) == "/home/ann/.local/bin/tool");
    CHECK(g("/home/annie/.cache/a/b") == "/home/annie/.cache/a/b");
    LearnOptions root_home = o;
    root_home.home = "/";
    CHECK(generalise_path("/etc/a/b", Access::read, pids, root_home).pattern == "/etc/a/b");
  }
  SUBCASE("shared objects read: their directory/**") {
    CHECK(g("/usr/lib/x86_64-linux-gnu/libc.so.6") == "/usr/lib/x86_64-linux-gnu/**");
    CHECK(g("/lib/x86_64-linux-gnu/libselinux.so.1") == "/lib/x86_64-linux-gnu/**");
    CHECK(g("/usr/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libc.so.6") ==
          "/usr/lib/x86_64-linux-gnu/**");
    CHECK(g("/usr/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so") ==
          "/usr/lib/python3.11/lib-dynload/**");
    CHECK(g("/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30") == "/usr/lib/x86_64-linux-gnu/**");
    CHECK(g("/etc/ld.so.cache") == "/etc/ld.so.cache");      // not a shared object
    CHECK(g("/usr/lib/x86_64-linux-gnu/libfoo.so.1", Access::write) ==
          "/usr/lib/x86_64-linux-gnu/libfoo.so.1");        // writing one stays literal
  }
  SUBCASE("everything else is literal, escaped") {
    CHECK(g("/etc/passwd") == "/etc/passwd");
    CHECK(g("/srv/a*b") == "/srv/a\\*b");
  }
}

TEST_CASE("a learned policy loads and allows what was recorded") {
  const auto records = typical();
  const std::string yaml = learn(records);
  const Policy p = load(yaml);
  for (const auto& r : records)
    CHECK_MESSAGE(allows(p, r), syscall_name(r.call.abi, r.call.nr), " is not allowed:\n", yaml);

  // Shape of the file.
  CHECK(has_line(yaml, "version: 1"));
  CHECK(has_line(yaml, "default: deny"));
  CHECK(has_line(yaml, "errno: EACCES"));
  CHECK(has_line(yaml, "# run: prog --flag 'it'\\''s'"));
  CHECK(has_line(yaml, "  - stdio"));
  CHECK(has_line(yaml, "  - getdents64  # in rpath"));
  CHECK(has_line(yaml, "      - /etc/passwd"));
  CHECK(has_line(yaml, "      - /usr/lib/x86_64-linux-gnu/**"));
  // Path-granting promises are never listed: the path rules name the files.
  CHECK_FALSE(has_line(yaml, "  - rpath"));
  CHECK(yaml.find("abis:") == std::string::npos);  // x86_64 only: the default

  // What was not recorded stays denied.
  CHECK(eval(p, open_rec("/etc/shadow", O_RDONLY)).action == Action::deny);
  CHECK(eval(p, open_rec("/etc/passwd", O_WRONLY)).action == Action::deny);
  CHECK(eval(p, rec("ptrace")).action == Action::deny);
  CHECK(eval(p, rec("socket", {u(AF_INET), u(SOCK_STREAM), 0, 0, 0, 0})).action == Action::deny);
  // The generalised library directory reads a library the run did not load.
  CHECK(allows(p, open_rec("/usr/lib/x86_64-linux-gnu/libm.so.6", O_RDONLY | O_CLOEXEC)));
}

TEST_CASE("removing one line of a learned policy makes that call fail") {
  const auto records = typical();
  const std::string yaml = learn(records);
  const Policy no_passwd = load(without_line(yaml, "      - /etc/passwd"));
  CHECK(eval(no_passwd, open_rec("/etc/passwd", O_RDONLY | O_CLOEXEC)).action == Action::deny);
  CHECK(allows(no_passwd, open_rec("/etc/ld.so.cache", O_RDONLY | O_CLOEXEC)));
  const Policy no_getdents = load(without_line(yaml, "  - getdents64  # in rpath"));
  CHECK(eval(no_getdents, rec("getdents64", {3, 0x1000, 4096, 0, 0, 0})).action == Action::deny);
}

TEST_CASE("the output is deterministic: order of calls and repetitions do not matter") {
  auto records = typical();
  const std::string a = learn(records);
  std::reverse(records.begin(), records.end());
  auto doubled = records;
  doubled.insert(doubled.end(), records.begin(), records.end());
  CHECK(learn(doubled) == a);
}

TEST_CASE("promises: stdio always, another only when at least half of it was seen") {
  // mmap and mprotect with PROT_EXEC: 2 of prot_exec's 3 calls.
  std::vector<CallRecord> records{
      rec("read", {0, 0x1000, 1, 0, 0, 0}),
      rec("mmap", {0, 4096, u(PROT_READ | PROT_EXEC), u(MAP_PRIVATE), 3, 0}),
      rec("mprotect", {0x1000, 4096, u(PROT_READ | PROT_EXEC), 0, 0, 0}),
  };
  std::string yaml = learn(records);
  CHECK(has_line(yaml, "  - prot_exec"));
  CHECK(has_line(yaml, "  # prot_exec covers: mmap mprotect"));
  CHECK(has_line(yaml, "  - stdio"));
  CHECK(yaml.find("  - mmap") == std::string::npos);

  // Only mmap: 1 of 3 is too little; the call is listed by name.
  records.pop_back();
  yaml = learn(records);
  CHECK_FALSE(has_line(yaml, "  - prot_exec"));
  CHECK(has_line(yaml, "  - mmap  # in prot_exec, stdio (some forms)"));
  const Policy p = load(yaml);
  for (const auto& r : records) CHECK(allows(p, r));

  // Calls outside every promise.
  yaml = learn({rec("read"), rec("personality", {0xffffffff, 0, 0, 0, 0, 0})});
  CHECK(has_line(yaml, "  - personality  # in no promise"));
}

TEST_CASE("always-allowed calls need no rule once a promise is listed") {
  const std::string yaml = learn({rec("read"), rec("exit_group"), rec("rt_sigreturn")});
  CHECK(yaml.find("exit_group  #") == std::string::npos);
  const Policy p = load(yaml);
  CHECK(allows(p, rec("exit_group")));
  // With nothing a promise covers, they are listed by name.
  const std::string only = learn({rec("exit_group")});
  CHECK(has_line(only, "  - exit_group  # in no promise"));
  CHECK(allows(load(only), rec("exit_group")));
}

TEST_CASE("/proc/<pid> of any traced process becomes /proc/[0-9]*") {
  const std::vector<CallRecord> records{
      open_rec("/proc/4242/status", O_RDONLY),
      open_rec("/proc/5000/maps", O_RDONLY, 5000),  // a child reading its own maps
      rec("read"),
  };
  const std::string yaml = learn(records);
  CHECK(has_line(yaml, "      - /proc/[0-9]*/status"));
  CHECK(has_line(yaml, "      - /proc/[0-9]*/maps"));
  const Policy p = load(yaml);
  // The next run has another pid.
  CHECK(allows(p, open_rec("/proc/777/status", O_RDONLY, 777)));
  CHECK(eval(p, open_rec("/proc/777/environ", O_RDONLY, 777)).action == Action::deny);
}

TEST_CASE("temporary files: create, read and unlink under one glob") {
  const std::vector<CallRecord> records{
      open_rec("/tmp/ccAbC123.s", O_RDWR | O_CREAT | O_EXCL),
      open_rec("/tmp/ccAbC123.s", O_RDONLY),
      rec("unlink", {0x1000, 0, 0, 0, 0, 0}, {path("/tmp/ccAbC123.s", Access::create)}),
      rec("read"),
  };
  const std::string yaml = learn(records);
  const Policy p = load(yaml);
  auto again = records;
  for (auto& r : again)
    for (auto& a : r.paths) a.path = "/tmp/ccZz9Yx8.s";  // the next run's random name
  for (const auto& r : again) CHECK_MESSAGE(allows(p, r), yaml);
  CHECK(eval(p, open_rec("/tmp/other.s", O_RDONLY)).action == Action::deny);
}

TEST_CASE("a call whose path could not be read is allowed by name") {
  const std::string yaml =
      learn({rec("read"), rec("utimensat", {3, 0, 0, 0, 0, 0}, {PathArg{"", Access::write, EFAULT}})});
  CHECK(has_line(yaml, "  - utimensat  # in fattr"));
  CHECK(allows(load(yaml), rec("utimensat", {3, 0, 0, 0, 0, 0}, {PathArg{"", Access::write, EFAULT}})));
}

TEST_CASE("two paths with different accesses: one rule without access") {
  const CallRecord link = rec("link", {0x1000, 0x2000, 0, 0, 0, 0},
                              {path("/srv/a"), path("/srv/b", Access::create)});
  const std::string yaml = learn({rec("read"), link});
  CHECK(yaml.find("  - syscall: link\n    path:\n      - /srv/a\n      - /srv/b\n") !=
        std::string::npos);
  const Policy p = load(yaml);
  CHECK(allows(p, link));
  CHECK(eval(p, rec("link", {0x1000, 0x2000, 0, 0, 0, 0},
                    {path("/srv/a"), path("/etc/x", Access::create)})).action == Action::deny);
}

TEST_CASE("another ABI: abis lists it, and its calls are allowed") {
  const std::vector<CallRecord> records{
      rec("read"),
      rec("read", {0, 0x1000, 1, 0, 0, 0}, {}, Abi::i386),
      rec("fstat64", {0, 0x1000, 0, 0, 0, 0}, {}, Abi::i386),
      rec("personality", {0, 0, 0, 0, 0, 0}, {}, Abi::i386),
  };
  const std::string yaml = learn(records);
  CHECK(has_line(yaml, "abis: [x86_64, i386]"));
  const Policy p = load(yaml);
  for (const auto& r : records) CHECK(allows(p, r));
}

TEST_CASE("a number libseccomp does not name becomes a comment and a warning") {
  Learner l;
  l.on_call(rec("read"));
  CallRecord r = rec("read");
  r.call.nr = 999;
  l.on_call(r);
  std::vector<std::string> warnings;
  const std::string yaml = l.policy_yaml(opts(), &warnings);
  load(yaml);
  CHECK(yaml.find("x86_64:999") != std::string::npos);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("999") != std::string::npos);
}

TEST_CASE("a path that is not UTF-8 falls back to the call's name, with a warning") {
  std::vector<std::string> warnings;
  const std::string yaml =
      learn({rec("read"), open_rec(std::string("/srv/\xff\xfe"), O_RDONLY)}, opts(), &warnings);
  CHECK(yaml.find("\n  - openat  # in cpath (some forms), dns (some forms), rpath (some forms)") !=
        std::string::npos);
  load(yaml);
  CHECK(warnings.size() == 1);
}

TEST_CASE("glob characters in a recorded path are escaped") {
  const CallRecord r = open_rec("/srv/a[1]*.txt", O_RDONLY);
  const std::string yaml = learn({rec("read"), r});
  const Policy p = load(yaml);
  CHECK(allows(p, r));
  CHECK(eval(p, open_rec("/srv/a1x.txt", O_RDONLY)).action == Action::deny);
}

TEST_CASE("calls refused while learning (guards, the program's own pledge) are not recorded") {
  Learner l;
  l.on_call(rec("read"));
  CallRecord guarded = rec("ptrace");
  guarded.action = Action::deny;
  l.on_call(guarded);
  CallRecord would = rec("mount");  // permissive learning: refused by the policy, let through
  would.action = Action::deny;
  would.would_deny = true;
  l.on_call(would);
  const std::string yaml = l.policy_yaml(opts());
  CHECK(yaml.find("ptrace") == std::string::npos);
  CHECK(has_line(yaml, "  - mount  # in no promise"));
}

TEST_CASE("--base: only what the base policy does not allow is recorded") {
  const Policy base = load_policy_string(
      "version: 1\ndefault: deny\npromises: [stdio]\n"
      "allow:\n  - { syscall: openat, path: /etc/**, access: read }\n",
      "base.yaml");
  Learner l(&base);
  for (const auto& r : typical()) l.on_call(r);
  LearnOptions o = opts();
  o.base_name = "base.yaml";
  const std::string yaml = l.policy_yaml(o);
  CHECK(l.calls_skipped_by_base() > 0);
  CHECK(has_line(yaml, "# Recorded only what base.yaml does not already allow."));
  CHECK(yaml.find("/etc/passwd") == std::string::npos);
  CHECK(yaml.find("/usr/lib/x86_64-linux-gnu/**") != std::string::npos);
  CHECK(has_line(yaml, "  - getdents64  # in rpath"));
}

TEST_CASE("--merge: the union of runs, and merging a run into its own policy changes nothing") {
  const auto run1 = typical();
  const std::vector<CallRecord> run2{
      rec("read"),
      open_rec("/etc/group", O_RDONLY),
      rec("socket", {u(AF_UNIX), u(SOCK_STREAM), 0, 0, 0, 0}),
      rec("read", {0, 0, 0, 0, 0, 0}, {}, Abi::i386),
  };
  const std::string first = learn(run1);

  Learner same;
  same.merge_policy(first, "first.yaml");
  for (const auto& r : run1) same.on_call(r);
  CHECK(same.policy_yaml(opts()) == first);

  Learner l;
  l.merge_policy(first, "first.yaml");
  for (const auto& r : run2) l.on_call(r);
  LearnOptions o = opts();
  o.command = {"other"};
  const std::string merged = l.policy_yaml(o);
  const Policy p = load(merged);
  for (const auto& r : run1) CHECK_MESSAGE(allows(p, r), merged);
  for (const auto& r : run2) CHECK_MESSAGE(allows(p, r), merged);
  CHECK(has_line(merged, "# run: prog --flag 'it'\\''s'"));
  CHECK(has_line(merged, "# run: other"));
  CHECK(has_line(merged, "abis: [x86_64, i386]"));
  // The first run's "covers:" comment survives a merge.
  CHECK(merged.find("getdents64") != std::string::npos);
  CHECK(merged.find("  # stdio covers:") != std::string::npos);
  CHECK(merged.find(" brk") != std::string::npos);

  // Merging the merged policy again with nothing new: a fixed point.
  Learner again;
  again.merge_policy(merged, "merged.yaml");
  CHECK(again.policy_yaml(o) == merged);
}

TEST_CASE("--merge keeps default and errno of an edited policy") {
  Learner l;
  l.merge_policy("version: 1\ndefault: kill\nerrno: EACCES\nallow: [getpid]\n", "edited.yaml");
  const std::string yaml = l.policy_yaml(opts());
  CHECK(has_line(yaml, "default: kill"));
  CHECK(has_line(yaml, "errno: EACCES"));
  CHECK(has_line(yaml, "  - getpid  # in stdio"));
  load(yaml);
}

TEST_CASE("--merge refuses what learn never writes, with its position") {
  Learner l;
  try {
    l.merge_policy("version: 1\ndefault: deny\ndeny: [ptrace]\n", "mine.yaml");
    FAIL("no error");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()) ==
          "mine.yaml:3:1: --merge: 'deny' is not something learn writes (it would be dropped); "
          "merge it by hand");
  }
  try {
    l.merge_policy(
        "version: 1\ndefault: deny\nallow:\n  - { syscall: socket, args: [{ index: 0, value: 1 }] }\n",
        "mine.yaml");
    FAIL("no error");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).starts_with("mine.yaml:4:24: --merge: 'args' in a rule"));
  }
  // A policy that does not load at all: the loader's positioned errors.
  CHECK_THROWS_AS(l.merge_policy("version: 1\ndefault: deny\nallow: [opneat]\n", "bad.yaml"),
                  PolicyError);
}

TEST_CASE("learning_policy allows everything on every ABI") {
  const Policy p = learning_policy();
  CHECK(allows(p, rec("ptrace")));
  CHECK(allows(p, rec("read", {}, {}, Abi::i386)));
  CHECK(p.abi_allowed(Abi::x32));
}
