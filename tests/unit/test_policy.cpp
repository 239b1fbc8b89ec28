// Policy loading and evaluation, without a kernel: fake syscall tuples in, verdicts out.
#include <doctest/doctest.h>

#include <cerrno>
#include <string>

#include "policy.hpp"
#include "policy_load.hpp"
#include "syscalls.hpp"

using namespace xpledge;

namespace {

std::int64_t nr_of(Abi abi, const char* name) { return syscall_nr(abi, name).value(); }

Verdict eval(const Policy& p, Abi abi, const char* name, std::array<std::uint64_t, 6> args = {}) {
  return p.evaluate(CallContext{Syscall{abi, nr_of(abi, name), args}, {}});
}

// The first diagnostic of a policy that must not load, formatted.
std::string first_error(const std::string& yaml, const std::string& name = "p.yaml") {
  try {
    load_policy_string(yaml, name);
  } catch (const PolicyError& e) {
    return e.diagnostics().front().format();
  }
  return "(loaded)";
}

std::vector<std::string> all_errors(const std::string& yaml) {
  std::vector<std::string> out;
  try {
    load_policy_string(yaml, "p.yaml");
  } catch (const PolicyError& e) {
    for (const auto& d : e.diagnostics()) out.push_back(d.format());
  }
  return out;
}

}  // namespace

TEST_CASE("evaluate: kill > deny > allow > default, with the rule that decided") {
  const Policy p = load_policy_string(
      "version: 1\n"
      "default: deny\n"
      "errno: EUCLEAN\n"
      "allow: [getpid, read, ptrace]\n"
      "deny: [ptrace, write]\n"
      "kill: [reboot, write]\n",
      "t.yaml");

  Verdict v = eval(p, Abi::x86_64, "getpid");
  CHECK(v.action == Action::allow);
  CHECK(v.err == 0);
  CHECK(v.rule->describe() == "allow[0]@t.yaml:4:9");

  v = eval(p, Abi::x86_64, "ptrace");  // both allowed and denied: deny wins
  CHECK(v.action == Action::deny);
  CHECK(v.err == EUCLEAN);
  CHECK(v.rule->describe() == "deny[0]@t.yaml:5:8");

  v = eval(p, Abi::x86_64, "write");  // denied and killed: kill wins
  CHECK(v.action == Action::kill);
  CHECK(v.rule->describe() == "kill[1]@t.yaml:6:16");

  v = eval(p, Abi::x86_64, "openat");  // no rule: the default
  CHECK(v.action == Action::deny);
  CHECK(v.err == EUCLEAN);
  CHECK(v.rule->describe() == "default@t.yaml:2:10");
  CHECK(p.default_errno() == EUCLEAN);
  CHECK(p.source() == "t.yaml");
}

TEST_CASE("evaluate: ABIs other than the allowed ones are denied by the 'abi' rule") {
  const Policy p = load_policy_string("version: 1\ndefault: allow\nerrno: 117\n", "t.yaml");
  CHECK(p.abi_allowed(Abi::x86_64));
  CHECK_FALSE(p.abi_allowed(Abi::i386));
  CHECK_FALSE(p.abi_allowed(Abi::x32));
  const Verdict v = eval(p, Abi::i386, "getpid");
  CHECK(v.action == Action::deny);
  CHECK(v.err == EUCLEAN);
  CHECK(v.rule->list == "abi");
  CHECK(v.rule->describe() == "abi@t.yaml");
}

TEST_CASE("evaluate: names resolve per ABI (i386 numbers differ, i386-only calls)") {
  const Policy p = load_policy_string(
      "version: 1\n"
      "default: deny\n"
      "abis: [x86_64, i386]\n"
      "allow: [open, mmap2]\n",
      "t.yaml");
  CHECK(nr_of(Abi::i386, "open") == 5);
  CHECK(nr_of(Abi::x86_64, "open") == 2);
  // i386 nr 5 is open: allowed. x86-64 nr 5 is fstat: not named, so the default.
  CHECK(p.evaluate({Syscall{Abi::i386, 5, {}}, {}}).action == Action::allow);
  CHECK(p.evaluate({Syscall{Abi::x86_64, 5, {}}, {}}).action == Action::deny);
  CHECK(p.evaluate({Syscall{Abi::x86_64, 2, {}}, {}}).action == Action::allow);
  // mmap2 exists on i386 only: valid, and applies there.
  CHECK_FALSE(syscall_nr(Abi::x86_64, "mmap2").has_value());
  CHECK(eval(p, Abi::i386, "mmap2").action == Action::allow);
  CHECK(eval(p, Abi::x86_64, "mmap").action == Action::deny);
}

TEST_CASE("errno: names, numbers, default EPERM") {
  CHECK(load_policy_string("version: 1\ndefault: deny\n", "t").default_errno() == EPERM);
  CHECK(load_policy_string("version: 1\ndefault: deny\nerrno: 13\n", "t").default_errno() == EACCES);
  CHECK(load_policy_string("version: 1\ndefault: deny\nerrno: ENOSYS\n", "t").default_errno() ==
        ENOSYS);
}

TEST_CASE("malformed: YAML syntax errors keep their position") {
  CHECK(first_error("version: 1\ndefault: deny\nallow: [getpid\n") ==
        "p.yaml:4:1: error: invalid YAML: end of sequence flow not found");
}

TEST_CASE("malformed: missing, unsupported and wrong values") {
  CHECK(first_error("default: deny\n") ==
        "p.yaml:1:1: error: missing required key 'version' (add 'version: 1')");
  CHECK(first_error("version: 2\ndefault: deny\n") ==
        "p.yaml:1:10: error: unsupported policy version '2' (this xpledge supports version 1)");
  CHECK(first_error("version: 1\n") ==
        "p.yaml:1:1: error: missing required key 'default' (one of allow, deny, kill)");
  CHECK(first_error("version: 1\ndefault: block\n") ==
        "p.yaml:2:10: error: 'default' must be one of allow, deny, kill; got 'block'");
  CHECK(first_error("version: 1\ndefault: deny\nerrno: EPREM\n") ==
        "p.yaml:3:8: error: unknown errno 'EPREM' (did you mean 'EPERM'?)");
  CHECK(first_error("version: 1\ndefault: deny\nerrno: 0\n") ==
        "p.yaml:3:8: error: 'errno' must be between 1 and 4095, got 0");
  CHECK(first_error("version: 1\ndefault: deny\nabis: [x86_64, arm]\n") ==
        "p.yaml:3:16: error: unknown ABI 'arm' (expected x86_64, i386 or x32)");
  CHECK(first_error("") == "p.yaml:1:1: error: empty policy: expected a map with 'version' and 'default'");
  CHECK(first_error("- getpid\n") == "p.yaml:1:1: error: policy: expected a map, got a sequence");
}

TEST_CASE("malformed: wrong types are positioned") {
  CHECK(first_error("version: 1\ndefault: deny\nallow: getpid\n") ==
        "p.yaml:3:8: error: 'allow': expected a sequence, got a scalar");
  CHECK(first_error("version: 1\ndefault: [deny]\n") ==
        "p.yaml:2:10: error: 'default': expected a scalar, got a sequence");
  CHECK(first_error("version: 1\ndefault: deny\nabis: x86_64\n") ==
        "p.yaml:3:7: error: 'abis': expected a sequence, got a scalar");
  CHECK(first_error("version: 1\ndefault: deny\ndeny:\n  - [ptrace]\n") ==
        "p.yaml:4:5: error: 'deny' entry: expected a syscall name or a map, got a sequence");
}

TEST_CASE("malformed: unknown key with did-you-mean, duplicate key") {
  CHECK(first_error("version: 1\ndefault: deny\nalow: [getpid]\n") ==
        "p.yaml:3:1: error: unknown key 'alow' (did you mean 'allow'?)");
  CHECK(first_error("version: 1\ndefault: deny\nfrobnicate: 1\n") ==
        "p.yaml:3:1: error: unknown key 'frobnicate'");
  // yaml-cpp keeps both; node["deny"] would silently return the first.
  CHECK(first_error("version: 1\ndefault: deny\ndeny: [ptrace]\ndeny: [bpf]\n") ==
        "p.yaml:4:1: error: duplicate key 'deny' (first at 3:1)");
}

TEST_CASE("malformed: unknown syscall with did-you-mean") {
  CHECK(first_error("version: 1\ndefault: deny\nallow:\n  - opneat\n") ==
        "p.yaml:4:5: error: unknown syscall 'opneat' (did you mean 'openat'?)");
  CHECK(first_error("version: 1\ndefault: deny\nallow: [xyzzy_frob]\n") ==
        "p.yaml:3:9: error: unknown syscall 'xyzzy_frob'");
}

TEST_CASE("malformed: every error is reported, up to a cap") {
  const auto errs = all_errors("version: 3\ndefault: nope\nallow: [opneat, getpid, fooo]\nalow: []\n");
  REQUIRE(errs.size() == 5);
  CHECK(errs[0] == "p.yaml:4:1: error: unknown key 'alow' (did you mean 'allow'?)");
  CHECK(errs[1] == "p.yaml:1:10: error: unsupported policy version '3' (this xpledge supports version 1)");
  CHECK(errs[2] == "p.yaml:2:10: error: 'default' must be one of allow, deny, kill; got 'nope'");
  CHECK(errs[3].starts_with("p.yaml:3:9: error: unknown syscall 'opneat'"));
  CHECK(errs[4].starts_with("p.yaml:3:25: error: unknown syscall 'fooo'"));
  std::string many = "version: 1\ndefault: deny\nallow:\n";
  for (int i = 0; i < 50; ++i) many += "  - nosuchcall" + std::to_string(i) + "\n";
  CHECK(all_errors(many).size() == 20);
}

TEST_CASE("files: unreadable file is a positionless diagnostic") {
  CHECK(first_error("", "x") != "(loaded)");
  try {
    load_policy_file("/nonexistent/policy.yaml");
    FAIL("loaded a missing file");
  } catch (const PolicyError& e) {
    CHECK(e.diagnostics().front().format() ==
          "/nonexistent/policy.yaml: error: cannot read policy: No such file or directory");
  }
}

TEST_CASE("default policy: loads, denies the dangerous, allows the ordinary") {
  const Policy p = load_default_policy();
  CHECK(p.source() == "<default>");
  for (const char* name : {"ptrace", "kexec_load", "init_module", "mount", "bpf", "reboot",
                           "io_uring_setup", "userfaultfd", "open_by_handle_at", "keyctl"}) {
    CAPTURE(name);
    const Verdict v = eval(p, Abi::x86_64, name);
    CHECK(v.action == Action::deny);
    CHECK(v.err == EPERM);
    CHECK(v.rule->list == "deny");
    CHECK(v.rule->pos.file == "<default>");
  }
  for (const char* name : {"read", "write", "openat", "execve", "clone", "mmap", "exit_group"}) {
    CAPTURE(name);
    CHECK(eval(p, Abi::x86_64, name).action == Action::allow);
    CHECK(p.allows_unconditionally(Abi::x86_64, nr_of(Abi::x86_64, name)));
  }
  CHECK_FALSE(p.allows_unconditionally(Abi::x86_64, nr_of(Abi::x86_64, "ptrace")));
  CHECK_FALSE(p.abi_allowed(Abi::i386));
}
