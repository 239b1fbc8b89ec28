#include <doctest/doctest.h>

#include <fcntl.h>

#include <map>
#include <memory>
#include <vector>

#include "landlock_plan.hpp"
#include "policy_load.hpp"
#include "syscalls.hpp"

using namespace xpledge;
namespace fs = xpledge::landlock_fs;

namespace {

// A fake filesystem: directories and files, and where symlinks lead.
struct FakeFs {
  std::map<std::string, PathFact> facts{
      {"/", {true, true, "/"}},
      {"/srv", {true, true, "/srv"}},
      {"/srv/bin", {true, true, "/srv/bin"}},
      {"/srv/w", {true, true, "/srv/w"}},
      {"/etc", {true, true, "/etc"}},
      {"/etc/app.conf", {true, false, "/etc/app.conf"}},
      {"/usr", {true, true, "/usr"}},
      {"/usr/bin", {true, true, "/usr/bin"}},
      {"/bin", {true, true, "/usr/bin"}},  // merged /usr: a symlink
      {"/dev", {true, true, "/dev"}},
      {"/dev/null", {true, false, "/dev/null"}},
      {"/etc/localtime", {true, false, "/usr/share/zoneinfo/UTC"}},
      {"/usr/share/zoneinfo", {true, true, "/usr/share/zoneinfo"}},
  };
  PathFacts fn() const {
    return [this](const std::string& p) {
      const auto it = facts.find(p);
      return it == facts.end() ? PathFact{} : it->second;
    };
  }
};

// A plan points into its policy's rules (RuleRef): the policies live as long as the test.
const Policy& policy(const std::string& body) {
  static std::vector<std::unique_ptr<Policy>> keep;
  keep.push_back(std::make_unique<Policy>(
      load_policy_string("version: 1\nerrno: EUCLEAN\n" + body, "t.yaml")));
  return *keep.back();
}

bool handled(const LandlockPlan& p, FsGroup g) { return p.handled[static_cast<std::size_t>(g)]; }
const std::string& why(const LandlockPlan& p, FsGroup g) {
  return p.why_not[static_cast<std::size_t>(g)];
}

std::uint64_t rights_on(const LandlockPlan& p, const std::string& path) {
  for (const FsRule& r : p.rules)
    if (r.path == path) return r.rights;
  return 0;
}

const LandlockPlan::OpenCall& openat(const LandlockPlan& p) { return p.opens[1]; }

constexpr const char* kReadList =
    "default: deny\n"
    "allow:\n"
    "  - { syscall: openat, path: [/srv/**], access: read }\n"
    "  - { syscall: execve, path: [/srv/bin/**], access: exec }\n";

}  // namespace

TEST_CASE("landlock plan: an exact read allow-list goes to the kernel, and openat stops no more") {
  FakeFs f;
  const LandlockPlan p = plan_landlock(policy(kReadList), 7, f.fn());
  CHECK(handled(p, FsGroup::read));
  // Nothing allows writing or creating: the kernel refuses all of it, as the policy does.
  CHECK(handled(p, FsGroup::write));
  CHECK(handled(p, FsGroup::create));
  CHECK((p.handled_fs & fs::kRefer) != 0);
  REQUIRE(!p.rules.empty());
  CHECK(p.rules.front().path == "/");
  CHECK(p.rules.front().rights == fs::kRefer);
  // The exec tree lies in the read tree: one rule, read rights (EXECUTE is never handled).
  CHECK(rights_on(p, "/srv") == (fs::kReadFile | fs::kReadDir));
  CHECK(rights_on(p, "/srv/bin") == fs::kReadFile);
  CHECK((p.handled_fs & fs::kExecute) == 0);
  CHECK(openat(p).decided);
  CHECK(p.open_stop_flags == (O_PATH | O_CREAT | 020000000));
  // `open` is one path family with `openat`: the rule allows it the same reads.
  CHECK(p.opens[0].decided);

  const auto nr = syscall_nr(Abi::x86_64, "openat");
  REQUIRE(nr);
  const ArgAlternatives alts = landlock_register_grants(p, Abi::x86_64, *nr);
  REQUIRE(alts.size() == 1);
  REQUIRE(alts[0].size() == 1);
  CHECK(alts[0][0].arg == 2);
  CHECK(alts[0][0].mask == p.open_stop_flags);
  CHECK(alts[0][0].value == 0);
  const ArgAlternatives open_alts =
      landlock_register_grants(p, Abi::x86_64, *syscall_nr(Abi::x86_64, "open"));
  REQUIRE(open_alts.size() == 1);
  REQUIRE(open_alts[0].size() == 1);
  CHECK(open_alts[0][0].arg == 1);  // open's flags
  CHECK(open_alts[0][0].mask == p.open_stop_flags);
  CHECK(landlock_register_grants(p, Abi::i386, *syscall_nr(Abi::i386, "openat")).empty());
}

TEST_CASE("landlock plan: a group some route reaches on any path stays with the supervisor") {
  FakeFs f;
  SUBCASE("rpath reads anywhere") {
    const LandlockPlan p =
        plan_landlock(policy(std::string(kReadList) + "promises: [stdio, rpath]\n"), 7, f.fn());
    CHECK_FALSE(handled(p, FsGroup::read));
    CHECK(why(p, FsGroup::read).find("promises") != std::string::npos);
    CHECK_FALSE(openat(p).decided);
  }
  SUBCASE("exec anywhere: the kernel reads what it runs") {
    const LandlockPlan p =
        plan_landlock(policy(std::string(kReadList) + "promises: [exec]\n"), 7, f.fn());
    CHECK_FALSE(handled(p, FsGroup::read));
    CHECK(why(p, FsGroup::read).find("execve") != std::string::npos);
  }
  SUBCASE("an allow rule without a path") {
    const LandlockPlan p = plan_landlock(policy(std::string(kReadList) + "  - truncate\n"), 7,
                                         f.fn());
    CHECK(handled(p, FsGroup::read));
    CHECK_FALSE(handled(p, FsGroup::write));
    CHECK(why(p, FsGroup::write).find("truncate") != std::string::npos);
    // Writes are then not the kernel's: opens for writing keep stopping.
    CHECK(openat(p).decided);
    CHECK((p.open_stop_flags & (O_ACCMODE | O_TRUNC)) == (O_ACCMODE | O_TRUNC));
  }
  SUBCASE("default: allow") {
    const LandlockPlan p = plan_landlock(policy("default: allow\n"), 7, f.fn());
    CHECK(p.handled_fs == 0);
    CHECK(p.rules.empty());
  }
}

TEST_CASE("landlock plan: no Landlock, ABI 1, --landlock=off: today's supervisor path") {
  FakeFs f;
  for (int abi : {0, 1}) {
    const LandlockPlan p = plan_landlock(policy(kReadList), abi, f.fn());
    CHECK(p.handled_fs == 0);
    CHECK(p.rules.empty());
    CHECK_FALSE(openat(p).decided);
  }
  const LandlockPlan off = plan_landlock(policy(kReadList), 7, f.fn(), false);
  CHECK(off.handled_fs == 0);
  CHECK_FALSE(openat(off).decided);
}

TEST_CASE("landlock plan: what Landlock cannot say exactly is a wall, and openat keeps stopping") {
  FakeFs f;
  SUBCASE("a deny rule inside the tree") {
    const LandlockPlan p = plan_landlock(
        policy(std::string(kReadList) +
               "deny:\n  - { syscall: openat, path: [/srv/secret/**] }\n"),
        7, f.fn());
    CHECK(handled(p, FsGroup::read));
    CHECK_FALSE(openat(p).decided);
    CHECK(openat(p).why_not.find("deny[0]") != std::string::npos);
    REQUIRE(p.supervisor_rules.size() == 1);
    CHECK(p.supervisor_rules[0]->list == "deny");
  }
  SUBCASE("a log rule") {
    const LandlockPlan p = plan_landlock(
        policy(std::string(kReadList) + "log:\n  - { syscall: openat, path: [/srv/w/**] }\n"), 7,
        f.fn());
    CHECK_FALSE(openat(p).decided);
  }
  SUBCASE("a glob that is not a tree: its directory is the wall") {
    const LandlockPlan p = plan_landlock(
        policy("default: deny\nallow:\n  - { syscall: openat, path: [\"/etc/*.conf\"], access: read }\n"),
        7, f.fn());
    CHECK(handled(p, FsGroup::read));
    CHECK(rights_on(p, "/etc") == (fs::kReadFile | fs::kReadDir));
    CHECK_FALSE(openat(p).decided);
  }
  SUBCASE("a tree that does not exist yet: its nearest existing directory") {
    const LandlockPlan p = plan_landlock(
        policy("default: deny\nallow:\n  - { syscall: openat, path: [/srv/new/**], access: read }\n"),
        7, f.fn());
    CHECK(rights_on(p, "/srv") == (fs::kReadFile | fs::kReadDir));
    CHECK_FALSE(openat(p).decided);
  }
  SUBCASE("a file read that is missing at start: no rule, and openat is decided") {
    // python probes /usr/pyvenv.cfg: an open of it fails with ENOENT before Landlock looks.
    auto with_reads = [&](const std::string& paths) {
      return plan_landlock(policy(std::string(kReadList) + "  - { syscall: openat, path: [" +
                                  paths + "], access: read }\n"),
                           7, f.fn());
    };
    const LandlockPlan p = with_reads("/usr/pyvenv.cfg");
    CHECK(openat(p).decided);
    CHECK(p.missing_read_ungranted);
    CHECK(rights_on(p, "/usr") == 0);  // not the nearest existing directory: that is wider
    CHECK(describe_landlock_plan(p).find("missing now get no rule") != std::string::npos);
    // Where opens stop anyway (a glob), the wall keeps the nearest directory for it.
    const LandlockPlan q = with_reads("/usr/pyvenv.cfg, \"/etc/*.conf\"");
    CHECK_FALSE(openat(q).decided);
    CHECK_FALSE(q.missing_read_ungranted);
    CHECK(rights_on(q, "/usr") == (fs::kReadFile | fs::kReadDir));
    // A missing file to be created is not only read: its directory must be granted, so not exact.
    const LandlockPlan c = plan_landlock(
        policy(std::string(kReadList) +
               "  - { syscall: openat, path: [/etc/new/x], access: create }\n"),
        7, f.fn());
    CHECK_FALSE(openat(c).decided);
  }
  SUBCASE("a tree behind a symlink: exact only if its target is allowed too") {
    const std::string rule = "default: deny\nallow:\n  - { syscall: openat, path: [/bin/**";
    const LandlockPlan p =
        plan_landlock(policy(rule + "], access: read }\n"), 7, f.fn());
    CHECK(handled(p, FsGroup::read));
    CHECK_FALSE(openat(p).decided);
    const LandlockPlan q =
        plan_landlock(policy(rule + ", /usr/**], access: read }\n"), 7, f.fn());
    CHECK(openat(q).decided);
  }
  SUBCASE("a writable tree that is not readable: the kernel would let O_RDONLY in") {
    const LandlockPlan p = plan_landlock(
        policy(std::string(kReadList) + "  - { syscall: openat, path: [/tmp/**], access: write }\n"),
        7, f.fn());
    CHECK(handled(p, FsGroup::write));
    CHECK_FALSE(openat(p).decided);
  }
  SUBCASE("default: kill (the kernel can only answer EACCES)") {
    std::string body = kReadList;
    body.replace(body.find("deny"), 4, "kill");
    const LandlockPlan p = plan_landlock(policy(body), 7, f.fn());
    CHECK_FALSE(openat(p).decided);
  }
}

TEST_CASE("landlock plan: rights per access class, and where names are made") {
  FakeFs f;
  const LandlockPlan p = plan_landlock(
      policy("default: deny\nallow:\n"
             "  - { syscall: openat, path: [/srv/**, /etc/app.conf], access: read }\n"
             "  - { syscall: openat, path: [/srv/w/**, /etc/app.conf], access: write }\n"
             "  - { syscall: mkdir, path: [/srv/w/**] }\n"),
      7, f.fn());
  CHECK(handled(p, FsGroup::create));
  const std::uint64_t make_remove = fs::kMakeChar | fs::kMakeDir | fs::kMakeReg |
                                    fs::kMakeFifo | fs::kMakeBlock | fs::kMakeSym |
                                    fs::kRemoveDir | fs::kRemoveFile;
  // write covers create: an O_CREAT|O_RDWR open of an existing file reads it too.
  CHECK(rights_on(p, "/srv/w") ==
        (fs::kReadFile | fs::kWriteFile | fs::kTruncate | make_remove));
  // A file rule holds only file rights; its directory gets the rights to make and remove it.
  CHECK(rights_on(p, "/etc/app.conf") == (fs::kReadFile | fs::kWriteFile | fs::kTruncate));
  CHECK(rights_on(p, "/etc") == make_remove);
  CHECK((p.handled_fs & fs::kMakeSock) == 0);
  // Writable places are readable and /etc's make/remove right opens nothing: writes are exact
  // only where a write rule covers every WRITE_FILE grant (here: yes).
  CHECK(openat(p).decided);
  CHECK((p.open_stop_flags & O_ACCMODE) == 0);
  // ABI 2 has no TRUNCATE: O_TRUNC and writes keep stopping.
  const LandlockPlan old = plan_landlock(
      policy("default: deny\nallow:\n  - { syscall: openat, path: [/srv/**], access: read }\n"
             "  - { syscall: openat, path: [/srv/**], access: write }\n"),
      2, f.fn());
  CHECK(openat(old).decided);
  CHECK((old.handled_fs & fs::kTruncate) == 0);
  CHECK((old.open_stop_flags & (O_ACCMODE | O_TRUNC)) == (O_ACCMODE | O_TRUNC));
}

TEST_CASE("landlock plan: promises with paths are trees too (stdio: /dev/null, the time zone)") {
  FakeFs f;
  const LandlockPlan p =
      plan_landlock(policy(std::string(kReadList) + "promises: [stdio]\n"), 7, f.fn());
  CHECK(handled(p, FsGroup::read));
  CHECK(rights_on(p, "/dev/null") == (fs::kReadFile | fs::kWriteFile | fs::kTruncate));
  // /etc/localtime is a symlink into /usr/share/zoneinfo, which stdio allows too: exact.
  CHECK(openat(p).decided);
  CHECK(describe_landlock_plan(p).find("openat (x86_64): decided by the kernel") !=
        std::string::npos);
  CHECK(landlock_plan_notice(p).find("EACCES") != std::string::npos);
}
