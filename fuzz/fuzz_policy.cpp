// libFuzzer target: the policy loader (load_policy_string), then what the supervisor does with a
// loaded policy: describe it (`xpledge check`) and evaluate calls of every ABI against it.
// A bad policy must end in a PolicyError with positioned, non-empty diagnostics; any other
// exception escaping the loader is a finding (main.cpp would print it without a position).
// What the pre-filter may let run unseen (register_grants, x86-64) must be what evaluate allows
// silently, whatever path the call names; an open's path access is its flags' (the tracer's
// access_of reads it from the same register).
//
// `include:` reads files: the target runs in a private directory holding a few include files
// (a valid one, one that includes itself, a broken one), and inputs that could make an include
// reach the host's special files (/dev/zero, /proc, a FIFO...) are skipped.
#include <fuzzer/FuzzedDataProvider.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "grant_check.hpp"
#include "policy.hpp"
#include "policy_load.hpp"

namespace {

using namespace xpledge;

void write_file(const std::filesystem::path& p, std::string_view text) {
  std::ofstream(p) << text;
}

bool may_reach_host_files(std::string_view text) {
  if (text.find("include") == std::string_view::npos) return false;
  static constexpr std::string_view kRisky[] = {"/dev", "/proc", "/sys", "/run", "/tmp", "/var",
                                                "/home", "/root", "/mnt", "/media", "/srv", "..",
                                                "~",    "\\",    "%"};
  for (std::string_view r : kRisky)
    if (text.find(r) != std::string_view::npos) return true;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  namespace fs = std::filesystem;
  static char dir[] = "/tmp/xpledge-fuzz-policy.XXXXXX";
  if (!mkdtemp(dir) || chdir(dir) != 0) std::abort();
  std::atexit([] {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  });
  fs::create_directory("fuzz");
  write_file("fuzz/inc.yaml", "version: 1\ndeny:\n  - mkdir\n  - { syscall: openat, path: [\"/etc/**\"] }\n");
  write_file("fuzz/self.yaml", "version: 1\ninclude: [self.yaml]\n");
  write_file("fuzz/bad.yaml", "version: 1\ndeny: [nosuchcall\n");
  write_file("fuzz/empty.yaml", "");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (may_reach_host_files(text)) return -1;  // not added to the corpus
  try {
    const Policy policy = load_policy_string(text, "fuzz/policy.yaml");
    (void)describe_policy(policy);
    // Evaluate a handful of calls: numbers around the common ones and the input's own bytes.
    FuzzedDataProvider in(data, size);
    static constexpr std::array<std::int64_t, 10> kNrs = {0, 2, 5, 56, 59, 62, 101, 257, 435, -1};
    const std::array<PathArg, 2> paths = {PathArg{"/etc/passwd", Access::read, 0},
                                          PathArg{"", Access::write, 14 /* EFAULT */}};
    for (Abi abi : kAllAbis) {
      for (std::int64_t nr : kNrs) {
        CallContext ctx;
        ctx.call.abi = abi;
        ctx.call.nr = abi == Abi::x32 && nr >= 0 ? nr | static_cast<std::int64_t>(kX32SyscallBit) : nr;
        for (auto& a : ctx.call.args) a = in.ConsumeIntegral<std::uint64_t>();
        ctx.paths = std::span<const PathArg>(paths.data(), in.ConsumeIntegralInRange<std::size_t>(0, 2));
        ctx.tgid = 1234;
        const Verdict v = policy.evaluate(ctx);
        if (!v.rule) __builtin_trap();  // evaluate() always names the deciding rule
        (void)v.rule->describe();
        (void)policy.needs_paths(abi, ctx.call.nr);
        (void)policy.allows_unconditionally(abi, ctx.call.nr);
        if (abi == Abi::x86_64)  // the filters test no other ABI's registers
          fuzz::check_register_grants(policy.register_grants(abi, ctx.call.nr), ctx,
                                      [&](const CallContext& c) {
                                        return policy.evaluate(c).action == Action::allow;
                                      });
      }
    }
  } catch (const PolicyError& e) {
    if (e.diagnostics().empty()) __builtin_trap();
    for (const Diagnostic& d : e.diagnostics()) {
      if (d.message.empty()) __builtin_trap();
      (void)d.format();
    }
  }
  return 0;
}
