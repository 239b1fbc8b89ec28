// xpledge import oci without a kernel: Docker/OCI seccomp profiles in, policies out; each
// output must load and decide fake calls as the runtime would.
#include <doctest/doctest.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include "json_strict.hpp"
#include "oci_import.hpp"
#include "policy_load.hpp"
#include "syscalls.hpp"

using namespace xpledge;

namespace doctest {
// Lists of messages shown one a line when a check fails.
template <>
struct StringMaker<std::vector<std::string>> {
  static String convert(const std::vector<std::string>& v) {
    std::string out = "{";
    for (const auto& s : v) out += "\n  \"" + s + "\"";
    return (out + "\n}").c_str();
  }
};
}  // namespace doctest

namespace {

// tests/fixtures/oci/, found from this file's own path (no build-system plumbing).
std::string fixture(const std::string& name) {
  std::string here = __FILE__;
  here = here.substr(0, here.rfind('/'));        // tests/unit
  here = here.substr(0, here.rfind('/'));        // tests
  return here + "/fixtures/oci/" + name;
}

std::uint64_t u(long long v) { return static_cast<std::uint64_t>(v); }

Policy load(const std::string& yaml) {
  try {
    return load_policy_string(yaml, "imported.yaml");
  } catch (const PolicyError& e) {
    std::string msg;
    for (const auto& d : e.diagnostics()) msg += d.format() + "\n";
    FAIL("imported policy does not load:\n", msg, "\n", yaml);
    throw;
  }
}

Verdict eval(const Policy& p, std::string_view name, std::array<std::uint64_t, 6> args = {},
             Abi abi = Abi::x86_64) {
  const auto nr = syscall_nr(abi, name);
  REQUIRE(nr.has_value());
  return p.evaluate(CallContext{Syscall{abi, *nr, args}, {}});
}

struct Imported {
  std::string yaml;
  std::vector<std::string> warnings;
  Policy policy;
};

Imported import_file(const std::string& name, OciImportOptions o = {}) {
  if (o.kernel.empty()) o.kernel = "6.1.0-18-amd64";
  std::vector<std::string> w;
  std::string yaml = import_oci_profile(fixture(name), o, w);
  Policy p = load(yaml);
  return {yaml, w, p};
}

Imported import_text(const std::string& json, OciImportOptions o = {}) {
  if (o.kernel.empty()) o.kernel = "6.1";
  std::vector<std::string> w;
  std::string yaml = import_oci_profile_text(json, "p.json", o, w);
  Policy p = load(yaml);
  return {yaml, w, p};
}

bool has_warning(const std::vector<std::string>& w, std::string_view part) {
  return std::any_of(w.begin(), w.end(),
                     [&](const std::string& s) { return s.find(part) != std::string::npos; });
}

}  // namespace

TEST_CASE("the fixture profile imports, loads, and decides like the runtime") {
  const Imported r = import_file("small.json");
  const Policy& p = r.policy;
  CHECK(r.yaml.find("default: deny\n") != std::string::npos);
  CHECK(r.yaml.find("errno: EPERM\n") != std::string::npos);
  // archMap: the x86-64 entry and its sub-architectures.
  CHECK(r.yaml.find("abis: [x86_64, i386, x32]\n") != std::string::npos);
  CHECK(eval(p, "read", {}, Abi::i386).action == Action::allow);

  CHECK(eval(p, "read").action == Action::allow);
  CHECK(eval(p, "openat").action == Action::allow);
  const Verdict other = eval(p, "chmod");
  CHECK(other.action == Action::deny);
  CHECK(other.err == EPERM);

  // personality: two entries, each one argument value.
  CHECK(eval(p, "personality", {0, 0, 0, 0, 0, 0}).action == Action::allow);
  CHECK(eval(p, "personality", {0xffffffff, 0, 0, 0, 0, 0}).action == Action::allow);
  CHECK(eval(p, "personality", {u(READ_IMPLIES_EXEC), 0, 0, 0, 0, 0}).action == Action::deny);

  // clone: SCMP_CMP_MASKED_EQ(mask, 0) = no namespace flag.
  CHECK(eval(p, "clone", {u(CLONE_VM | CLONE_THREAD), 0, 0, 0, 0, 0}).action == Action::allow);
  CHECK(eval(p, "clone", {u(CLONE_NEWUSER), 0, 0, 0, 0, 0}).action == Action::deny);
  // clone3: ENOSYS without CAP_SYS_ADMIN.
  const Verdict c3 = eval(p, "clone3");
  CHECK(c3.action == Action::deny);
  CHECK(c3.err == ENOSYS);

  // socket: anything but AF_VSOCK.
  CHECK(eval(p, "socket", {u(AF_INET), 1, 0, 0, 0, 0}).action == Action::allow);
  CHECK(eval(p, "socket", {u(AF_VSOCK), 1, 0, 0, 0, 0}).action == Action::deny);

  // setsockopt: two conditions on one argument are alternatives (runc).
  CHECK(eval(p, "setsockopt", {3, 1, 0, 0, 0, 0}).action == Action::allow);
  CHECK(eval(p, "setsockopt", {3, 6, 0, 0, 0, 0}).action == Action::allow);
  CHECK(eval(p, "setsockopt", {3, 41, 0, 0, 0, 0}).action == Action::deny);

  // Capability-gated entries: not without the capability.
  CHECK(eval(p, "mount").action == Action::deny);
  CHECK(r.yaml.find("syscalls[7] (mount, ...): not imported: needs CAP_SYS_ADMIN (--caps)") !=
        std::string::npos);
  // minKernel 4.8 on 6.1: imported. Arches: amd64 yes, ppc64le no.
  CHECK(eval(p, "ptrace").action == Action::allow);
  CHECK(eval(p, "modify_ldt").action == Action::allow);
  CHECK(r.yaml.find("sync_file_range2): not imported: only for ppc64le") != std::string::npos);

  // kill, log.
  CHECK(eval(p, "reboot").action == Action::kill);
  CHECK(eval(p, "kexec_load").action == Action::kill);
  CHECK(eval(p, "chroot").action == Action::log);

  // What cannot be expressed is reported.
  CHECK(has_warning(r.warnings, "SCMP_ACT_NOTIFY"));
  CHECK(has_warning(r.warnings, "kills the thread"));
  CHECK(has_warning(r.warnings, "left out: arm_fadvise64_64 not_a_syscall"));
  CHECK(has_warning(r.warnings, "names in rules that allow are not system calls"));
  CHECK(has_warning(r.warnings, "2 entries not imported"));
  CHECK(eval(p, "bpf").action == Action::deny);  // NOTIFY dropped: the default
  CHECK(r.yaml.find("not_a_syscall") != std::string::npos);  // named in a comment
}

TEST_CASE("capabilities and kernel version decide includes/excludes") {
  OciImportOptions admin;
  admin.caps = {"sys_admin"};  // any spelling
  const Imported r = import_file("small.json", admin);
  CHECK(eval(r.policy, "mount").action == Action::allow);
  CHECK(eval(r.policy, "clone", {u(CLONE_NEWUSER), 0, 0, 0, 0, 0}).action == Action::deny);
  CHECK(eval(r.policy, "clone3").action == Action::deny);  // excluded with CAP_SYS_ADMIN: default
  CHECK(eval(r.policy, "clone3").err == EPERM);
  CHECK(r.yaml.find("capabilities: CAP_SYS_ADMIN") != std::string::npos);

  OciImportOptions old;
  old.kernel = "4.4.0";
  CHECK(eval(import_file("small.json", old).policy, "ptrace").action == Action::deny);

  std::vector<std::string> w;
  import_oci_profile(fixture("small.json"), {}, w);  // no kernel at all
  CHECK(has_warning(w, "every minKernel condition counted as met"));
}

TEST_CASE("default actions") {
  CHECK(import_text(R"({"defaultAction": "SCMP_ACT_ALLOW"})").yaml.find("default: allow\n") !=
        std::string::npos);
  const Imported e = import_text(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 13})");
  CHECK(e.yaml.find("errno: EACCES\n") != std::string::npos);
  CHECK(eval(e.policy, "read").err == EACCES);
  CHECK(import_text(R"({"defaultAction": "SCMP_ACT_KILL_PROCESS"})").yaml.find("default: kill\n") !=
        std::string::npos);
  const Imported trap = import_text(R"({"defaultAction": "SCMP_ACT_TRAP"})");
  CHECK(trap.yaml.find("default: kill\n") != std::string::npos);
  CHECK(has_warning(trap.warnings, "SCMP_ACT_TRAP"));
  const Imported trace = import_text(R"({"defaultAction": "SCMP_ACT_TRACE"})");
  CHECK(eval(trace.policy, "read").err == ENOSYS);
  const Imported log = import_text(R"({"defaultAction": "SCMP_ACT_LOG"})");
  CHECK(log.yaml.find("default: allow\n") != std::string::npos);
  CHECK(has_warning(log.warnings, "SCMP_ACT_LOG"));
  // No architectures at all: the native ABI only, as a runtime does.
  CHECK(import_text(R"({"defaultAction": "SCMP_ACT_ALLOW"})").yaml.find("abis: [x86_64]\n") !=
        std::string::npos);
  CHECK(import_text(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64",
        "SCMP_ARCH_X86"]})").yaml.find("abis: [x86_64, i386]\n") != std::string::npos);
}

TEST_CASE("rules: errnoRet, old 'name' spelling, MASKED_EQ forms, TRACE") {
  const Imported r = import_text(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [
      {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 30},
      {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO"},
      {"name": "chmod", "action": "SCMP_ACT_ERRNO"},
      {"names": ["ioctl"], "action": "SCMP_ACT_ERRNO",
       "args": [{"index": 1, "value": 65535, "valueTwo": 21522, "op": "SCMP_CMP_MASKED_EQ"}]},
      {"names": ["mknod"], "action": "SCMP_ACT_TRACE"}
    ]})");
  const Policy& p = r.policy;
  CHECK(eval(p, "mkdir").err == EROFS);
  CHECK(eval(p, "rmdir").err == EPERM);
  CHECK(eval(p, "chmod").action == Action::deny);
  // (arg1 & 0xffff) == 0x5412 (TIOCSTI): those bits set, the other bits of the mask clear.
  CHECK(eval(p, "ioctl", {0, 0x5412, 0, 0, 0, 0}).action == Action::deny);
  CHECK(eval(p, "ioctl", {0, 0x5413, 0, 0, 0, 0}).action == Action::allow);
  CHECK(eval(p, "ioctl", {0, 0x15412, 0, 0, 0, 0}).action == Action::deny);  // outside the mask
  CHECK(eval(p, "mknod").err == ENOSYS);
  CHECK(has_warning(r.warnings, "SCMP_ACT_TRACE"));
}

TEST_CASE("what cannot be expressed is a warning, not a wrong rule") {
  const Imported r = import_text(R"({
    "defaultAction": "SCMP_ACT_ERRNO",
    "listenerPath": "/run/seccomp.sock",
    "flags": ["SECCOMP_FILTER_FLAG_LOG"],
    "syscalls": [
      {"names": ["read"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 1, "valueTwo": 2, "op": "SCMP_CMP_MASKED_EQ"}]},
      {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 0}
    ]})");
  CHECK(has_warning(r.warnings, "'listenerPath'"));
  CHECK(has_warning(r.warnings, "'flags'"));
  CHECK(has_warning(r.warnings, "never holds"));
  CHECK(has_warning(r.warnings, "errnoRet 0"));
  CHECK(eval(r.policy, "read").action == Action::deny);
  CHECK(eval(r.policy, "getppid").err == EPERM);
  // Warnings carry the position in the JSON file.
  CHECK(has_warning(r.warnings, "p.json:4:5: 'flags'"));
}

namespace {

// The errors of a profile that must not import, in the order reported.
std::vector<std::string> import_errors(const std::string& json, OciImportOptions o = {}) {
  if (o.kernel.empty()) o.kernel = "6.1";
  std::vector<std::string> w;
  try {
    const std::string yaml = import_oci_profile_text(json, "p.json", o, w);
    FAIL("imported although it should fail:\n", yaml);
  } catch (const OciImportError& e) {
    return e.errors().empty() ? std::vector<std::string>{e.what()} : e.errors();
  }
  return {};
}

}  // namespace

// Issue 20: a misspelling must not turn into a dropped rule (with `default: allow` left, the
// import would fail open). Every unknown name is an error with its position and a hint; all of
// them are reported, in file order.
TEST_CASE("unknown actions, ops, capabilities, arches, keys and calls fail the import") {
  const auto errors = import_errors(R"({
  "defaultAction": "SCMP_ACT_ALLOW",
  "architectures": ["SCMP_ARCH_X86_46"],
  "syscall": [],
  "syscalls": [
    {"names": ["ptrace"], "action": "SCMP_ACT_ERRNOO"},
    {"names": ["mount"], "action": "SCMP_ACT_ERRNO", "excludes": {"caps": ["CAP_SYS_ADMN"]}},
    {"names": ["close"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_MASKED_EG"}]},
    {"names": ["write"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 7, "value": 1, "op": "SCMP_CMP_EQ"}]},
    {"names": ["opneat", "read"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["kill"], "action": "SCMP_ACT_ERRNO", "arg": [{"index": 1, "value": 9, "op": "SCMP_CMP_EQ"}]},
    {"names": ["umount2"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": "0x10", "op": "SCMP_CMP_EQ"}]},
    {"names": ["reboot"], "action": "SCMP_ACT_ERRNO", "includes": {"arches": ["amd46"]}}
  ]})");
  const std::vector<std::string> want = {
      "p.json:3:21: error: unknown architecture 'SCMP_ARCH_X86_46' (did you mean 'SCMP_ARCH_X86_64'?)",
      "p.json:4:3: error: unknown key 'syscall' (did you mean 'syscalls'?)",
      "p.json:6:37: error: syscalls[0] (ptrace): unknown action 'SCMP_ACT_ERRNOO' (did you mean "
      "'SCMP_ACT_ERRNO'?)",
      "p.json:7:76: error: syscalls[1] (mount): excludes: unknown capability 'CAP_SYS_ADMN' (did "
      "you mean 'CAP_SYS_ADMIN'?)",
      "p.json:8:94: error: syscalls[2] (close): unknown op 'SCMP_CMP_MASKED_EG' (did you "
      "mean 'SCMP_CMP_MASKED_EQ'?)",
      "p.json:9:73: error: syscalls[3] (write): argument index 7 is not 0..5",
      "p.json:10:16: error: syscalls[4] (opneat, ...): unknown system call 'opneat' (did you mean "
      "'openat'?)",
      "p.json:11:53: error: syscalls[5] (kill): unknown key 'arg' (did you mean 'args'?)",
      "p.json:12:87: error: syscalls[6] (umount2): value must be a non-negative integer below "
      "2^64, got '0x10'",
      "p.json:13:79: error: syscalls[7] (reboot): includes: unknown arch 'amd46' (did you mean "
      "'amd64'?)",
  };
  CHECK(errors == want);

  // A capability on the command line, too.
  OciImportOptions caps;
  caps.caps = {"CAP_NET_ADMIN", "sys_chrot"};
  CHECK(import_errors(R"({"defaultAction": "SCMP_ACT_ALLOW"})", caps) ==
        std::vector<std::string>{
            "--caps: unknown capability 'sys_chrot' (did you mean 'CAP_SYS_CHROOT'?)"});
  // The default action.
  CHECK(import_errors(R"({"defaultAction": "SCMP_ACT_ALOW"})") ==
        std::vector<std::string>{"p.json:1:19: error: unknown defaultAction 'SCMP_ACT_ALOW' (did "
                                 "you mean 'SCMP_ACT_ALLOW'?)"});
  // Another architecture's call in an allow rule is no misspelling: left out with a warning.
  const Imported arm = import_text(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
      {"names": ["read", "arm_fadvise64_64", "sync_file_range2"], "action": "SCMP_ACT_ALLOW"}]})");
  CHECK(has_warning(arm.warnings, "left out: arm_fadvise64_64 sync_file_range2"));
  CHECK(eval(arm.policy, "read").action == Action::allow);
}

// JSON is what runtimes read (Go's encoding/json): what it refuses, the importer refuses.
TEST_CASE("strict JSON: trailing commas, comments, duplicate keys are errors") {
  CHECK(import_errors("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [],}") ==
        std::vector<std::string>{
            "p.json:1:51: error: not strict JSON: trailing comma before '}'"});
  CHECK(import_errors("{\"defaultAction\": \"SCMP_ACT_ALLOW\",\n \"syscalls\": [\n  {\"names\": "
                      "[\"read\",], \"action\": \"SCMP_ACT_ALLOW\"}]}") ==
        std::vector<std::string>{
            "p.json:3:20: error: not strict JSON: trailing comma before ']'"});
  CHECK(import_errors("// a profile\n{\"defaultAction\": \"SCMP_ACT_ALLOW\"}") ==
        std::vector<std::string>{
            "p.json:1:1: error: not strict JSON: comments are not allowed in JSON"});
  CHECK(import_errors("{\"defaultAction\": \"SCMP_ACT_ALLOW\",\n \"defaultAction\": "
                      "\"SCMP_ACT_ERRNO\"}") ==
        std::vector<std::string>{
            "p.json:2:2: error: not strict JSON: duplicate key 'defaultAction' (first at 1:2)"});
  CHECK(import_errors("{'defaultAction': 'SCMP_ACT_ALLOW'}") ==
        std::vector<std::string>{
            "p.json:1:2: error: not strict JSON: strings need double quotes in JSON"});
  CHECK(import_errors("defaultAction: SCMP_ACT_ALLOW\n") ==
        std::vector<std::string>{
            "p.json:1:1: error: not strict JSON: expected a JSON value, got 'd'"});
}

// Issue 23: the names of current moby and podman default profiles that are newer than
// libseccomp 2.5.4 map through the supplement; an unmappable name fails a deny rule closed and
// is only a warning in an allow rule.
TEST_CASE("names newer than libseccomp: mapped; unmappable in a deny rule is an error") {
  const Imported r = import_text(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [
      {"names": ["mseal", "listmount", "statmount", "open_tree_attr", "setxattrat"],
       "action": "SCMP_ACT_ERRNO", "errnoRet": 117},
      {"names": ["lsm_get_self_attr", "file_getattr", "uretprobe", "not_a_syscall"],
       "action": "SCMP_ACT_LOG"}
    ]})");
  for (const char* n : {"mseal", "listmount", "statmount", "open_tree_attr", "setxattrat"}) {
    CAPTURE(n);
    const Verdict v = eval(r.policy, n);
    CHECK(v.action == Action::deny);
    CHECK(v.err == EUCLEAN);
  }
  CHECK(eval(r.policy, "file_getattr").action == Action::log);
  CHECK(has_warning(r.warnings, "names in rules that allow are not system calls"));
  CHECK(has_warning(r.warnings, "left out: not_a_syscall"));  // near no x86 name: not a typo
  CHECK_FALSE(has_warning(r.warnings, "mseal"));

  for (const char* action : {"SCMP_ACT_ERRNO", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP"}) {
    CAPTURE(action);
    const std::string json = std::string(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [
      {"names": ["mseal", "frobnicate_at"], "action": ")") + action + R"("}
    ]})";
    CHECK(import_errors(json) ==
          std::vector<std::string>{
              "p.json:4:27: error: syscalls[0] (mseal, ...): 'frobnicate_at' is not a system "
              "call on x86_64, i386 or x32 that this build knows (libseccomp " +
              libseccomp_version() + " + the Linux " + std::string(syscall_tables_release()) +
              " supplement); importing the rule without it could let it run"});
  }
}

TEST_CASE("profiles that cannot be converted at all") {
  std::vector<std::string> w;
  CHECK_THROWS_WITH_AS(import_oci_profile_text("{\"defaultAction\": ", "p.json", {}, w),
                       doctest::Contains("p.json:"), OciImportError);
  CHECK_THROWS_WITH_AS(import_oci_profile_text("{\"syscalls\": []}", "p.json", {}, w),
                       doctest::Contains("no 'defaultAction'"), OciImportError);
  CHECK_THROWS_WITH_AS(import_oci_profile_text("{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}",
                                               "p.json", {}, w),
                       doctest::Contains("notification listener"), OciImportError);
  CHECK_THROWS_WITH_AS(import_oci_profile_text("{\"defaultAction\": \"SCMP_ACT_FOO\"}", "p.json",
                                               {}, w),
                       doctest::Contains("unknown defaultAction 'SCMP_ACT_FOO'"), OciImportError);
  CHECK_THROWS_WITH_AS(import_oci_profile("/nonexistent/p.json", {}, w),
                       doctest::Contains("cannot read /nonexistent/p.json"), OciImportError);
  OciImportOptions bad;
  bad.kernel = "latest";
  CHECK_THROWS_AS(import_oci_profile_text("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}", "p.json",
                                          bad, w),
                  OciImportError);
}

TEST_CASE("strict_json_error: what RFC 8259 allows and what it does not") {
  for (const char* ok : {"{}", "[]", " {\"a\": [1, -0.5e+3, true, false, null, \"x\\u00e9\\n\"]}\n",
                         "\"s\"", "0"}) {
    CAPTURE(ok);
    CHECK_FALSE(strict_json_error(ok).has_value());
  }
  struct Bad {
    const char* text;
    const char* message;
  };
  for (const Bad& b : {Bad{"{\"a\": 01}", "numbers have no leading zeros in JSON"},
                       Bad{"{\"a\": \"x\ty\"}", "control character in a string (escape it)"},
                       Bad{"{\"a\": 1, \"\\u0061\": 2}", "duplicate key 'a' (first at 1:2)"},
                       Bad{"[1] [2]", "unexpected text after the JSON value"},
                       Bad{"{\"a\": 1 # note\n}", "comments are not allowed in JSON"},
                       Bad{"{\"a\": .5}", "expected a JSON value, got '.'"},
                       Bad{"", "empty input: expected a JSON value"},
                       Bad{"[\"a\\x\"]", "unknown escape \\x in a string"}}) {
    CAPTURE(b.text);
    const auto e = strict_json_error(b.text);
    REQUIRE(e.has_value());
    CHECK(e->message == b.message);
  }
  // Nesting is bounded: a hostile profile cannot exhaust the stack.
  CHECK(strict_json_error(std::string(100000, '[')).value().message ==
        "nested deeper than " + std::to_string(kMaxJsonDepth));
}

TEST_CASE("the output is deterministic") {
  const Imported a = import_file("small.json");
  const Imported b = import_file("small.json");
  CHECK(a.yaml == b.yaml);
}
