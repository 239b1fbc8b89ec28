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

#include "oci_import.hpp"
#include "policy_load.hpp"
#include "syscalls.hpp"

using namespace xpledge;

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

TEST_CASE("what cannot be imported is a warning, not a wrong rule") {
  const Imported r = import_text(R"({
    "defaultAction": "SCMP_ACT_ERRNO",
    "listenerPath": "/run/seccomp.sock",
    "flags": ["SECCOMP_FILTER_FLAG_LOG"],
    "frobnicate": 1,
    "syscalls": [
      {"names": ["read"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 1, "valueTwo": 2, "op": "SCMP_CMP_MASKED_EQ"}]},
      {"names": ["write"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 7, "value": 1, "op": "SCMP_CMP_EQ"}]},
      {"names": ["close"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_FOO"}]},
      {"names": ["getpid"], "action": "SCMP_ACT_FROB"},
      {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 0}
    ]})");
  CHECK(has_warning(r.warnings, "'listenerPath'"));
  CHECK(has_warning(r.warnings, "'flags'"));
  CHECK(has_warning(r.warnings, "unknown key 'frobnicate'"));
  CHECK(has_warning(r.warnings, "never holds"));
  CHECK(has_warning(r.warnings, "argument index 7"));
  CHECK(has_warning(r.warnings, "unknown op 'SCMP_CMP_FOO'"));
  CHECK(has_warning(r.warnings, "unknown action 'SCMP_ACT_FROB'"));
  CHECK(has_warning(r.warnings, "errnoRet 0"));
  for (const char* n : {"read", "write", "close", "getpid"})
    CHECK(eval(r.policy, n).action == Action::deny);
  // Warnings carry the position in the JSON file.
  CHECK(has_warning(r.warnings, "p.json:4:5: 'flags'"));
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
  CHECK(has_warning(r.warnings, "left out: not_a_syscall"));
  CHECK_FALSE(has_warning(r.warnings, "mseal"));

  std::vector<std::string> w;
  const OciImportOptions o{{}, "6.1"};
  for (const char* action : {"SCMP_ACT_ERRNO", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP"}) {
    CAPTURE(action);
    const std::string json = std::string(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [
      {"names": ["mseal", "frobnicate_at"], "action": ")") + action + R"("}
    ]})";
    CHECK_THROWS_WITH_AS(
        import_oci_profile_text(json, "p.json", o, w),
        doctest::Contains("1 name(s) in rules that deny or kill are not system calls this build "
                          "knows"),
        OciImportError);
    CHECK_THROWS_WITH_AS(import_oci_profile_text(json, "p.json", o, w),
                         doctest::Contains("p.json:4:7: syscalls[0] (mseal, ...): 'frobnicate_at'"),
                         OciImportError);
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

TEST_CASE("the output is deterministic") {
  const Imported a = import_file("small.json");
  const Imported b = import_file("small.json");
  CHECK(a.yaml == b.yaml);
}
