// kernel_drift ABI: fails when the running kernel implements a system call this build does not
// name (issue 23). Every number 0..1023 of the ABI (x32: with its bit) that neither libseccomp nor
// the generated supplement names is tried in a throw-away child with bad arguments; anything
// but ENOSYS is an implemented call the tables lack, and each is named. Refresh the tables with
// scripts/gen-syscall-supplement (docs/SECURITY.md). Exit 0 pass, 1 drift, 77 the ABI cannot be
// reached on this kernel (said loudly: no IA32 emulation, no x32).
#include <cstdio>
#include <cstring>

#include "kernel_probe.hpp"
#include "syscalls.hpp"

int main(int argc, char** argv) {
  using namespace xpledge;
  const auto abi = argc == 2 ? abi_from_name(argv[1]) : std::nullopt;
  if (!abi) {
    std::fprintf(stderr, "usage: kernel_drift x86_64|i386|x32\n");
    return 2;
  }
  constexpr std::int64_t kLast = 1023;
  const KernelProbe p = probe_unnamed_syscalls(*abi, 0, kLast);
  if (!p.available) {
    std::printf("SKIP: kernel_drift %s: %s\n", argv[1], p.why.c_str());
    return 77;
  }
  std::printf("kernel_drift %s: %d numbers in 0..%lld are named by neither libseccomp %s nor the "
              "Linux %.*s supplement; probed each\n",
              argv[1], p.probed, static_cast<long long>(kLast), libseccomp_version().c_str(),
              static_cast<int>(syscall_tables_release().size()), syscall_tables_release().data());
  for (const ProbeHit& h : p.hits)
    std::printf("FAIL: %s number %lld is implemented by this kernel (%s) but this build does not "
                "name it: refresh supervisor/syscall_supplement.inc\n",
                argv[1], static_cast<long long>(h.nr), h.outcome.c_str());
  if (!p.hits.empty()) return 1;
  std::printf("ok: every implemented %s number up to %lld is named\n", argv[1],
              static_cast<long long>(kLast));
  return 0;
}
