#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>

#include "abi.hpp"
#include "syscall_probe.hpp"
#include "syscalls.hpp"

using namespace xpledge;

TEST_CASE("names resolve per ABI, never across") {
  CHECK(syscall_nr(Abi::x86_64, "openat") == 257);
  CHECK(syscall_nr(Abi::i386, "open") == 5);
  CHECK(syscall_nr(Abi::i386, "openat") == 295);
  CHECK(syscall_nr(Abi::x32, "read") == static_cast<std::int64_t>(kX32SyscallBit));
  CHECK_FALSE(syscall_nr(Abi::x86_64, "mmap2"));
  CHECK(syscall_nr(Abi::i386, "mmap2"));
  CHECK_FALSE(syscall_nr(Abi::x86_64, "socketcall"));
  CHECK(syscall_name(Abi::x86_64, 59) == "execve");
  CHECK(syscall_name(Abi::i386, 11) == "execve");
  CHECK(syscall_name(Abi::x86_64, 10000) == "xpledge");  // ours, named in records
  CHECK(syscall_name(Abi::x86_64, 10001) == "xunveil");
  CHECK(syscall_name(Abi::i386, 10001) == "syscall_10001");
  CHECK(syscall_name(Abi::x86_64, 10002) == "syscall_10002");
  CHECK_FALSE(syscall_known(Abi::x86_64, 10001));  // still no kernel call: policies cannot name it
  CHECK(syscall_name(Abi::x86_64, -1) == "syscall_-1");
}

TEST_CASE("ABI from PTRACE_GET_SYSCALL_INFO's arch") {
  CHECK(abi_from_audit(0xc000003e, 257) == Abi::x86_64);
  CHECK(abi_from_audit(0xc000003e, kX32SyscallBit | 0) == Abi::x32);
  CHECK(abi_from_audit(0xc000003e, ~std::uint64_t{0}) == Abi::x86_64);  // nr -1 is not x32
  CHECK(abi_from_audit(0x40000003, 5) == Abi::i386);
  CHECK_FALSE(abi_from_audit(0xc00000b7, 5));  // aarch64: not ours
  CHECK(abi_from_name("i386") == Abi::i386);
  CHECK_FALSE(abi_from_name("arm"));
}

TEST_CASE("our signature table: sorted, known names, sane path specs") {
  const auto sigs = all_syscall_sigs();
  for (std::size_t i = 1; i < sigs.size(); ++i) CHECK(sigs[i - 1].name < sigs[i].name);
  for (const auto& s : sigs) {
    INFO(s.name);
    bool known = false;
    for (Abi a : kAllAbis) known = known || syscall_nr(a, s.name).has_value();
    CHECK(known);
    for (const auto& p : s.path_args()) {
      REQUIRE(p.path_arg >= 0);
      CHECK(s.args[static_cast<std::size_t>(p.path_arg)] == ArgKind::path);
      if (p.dirfd_arg >= 0) CHECK(s.args[static_cast<std::size_t>(p.dirfd_arg)] == ArgKind::dirfd);
      if (p.use == PathUse::open) CHECK(p.flags_arg >= 0);
    }
  }
  REQUIRE(syscall_sig("renameat2"));
  CHECK(syscall_sig("renameat2")->npaths == 2);
  CHECK(syscall_sig("getpid")->args[0] == ArgKind::none);  // known to take no arguments
  CHECK(syscall_sig("mbind") == nullptr);
}

// ---- the generated supplement (scripts/gen-syscall-supplement) ------------------------------

TEST_CASE("supplement: the calls newer than libseccomp resolve both ways on every ABI") {
  CHECK(syscall_nr(Abi::x86_64, "mseal") == 462);
  CHECK(syscall_nr(Abi::x86_64, "open_tree_attr") == 467);
  CHECK(syscall_nr(Abi::x86_64, "setxattrat") == 463);
  CHECK(syscall_nr(Abi::x86_64, "uretprobe") == 335);
  CHECK_FALSE(syscall_nr(Abi::i386, "uretprobe"));  // x86-64 and x32 only
  CHECK(syscall_nr(Abi::i386, "listmount") == 458);
  CHECK(syscall_nr(Abi::x32, "mseal") == static_cast<std::int64_t>(kX32SyscallBit | 462));
  CHECK(syscall_name(Abi::x86_64, 467) == "open_tree_attr");
  CHECK(syscall_name(Abi::i386, 469) == "file_setattr");
  CHECK(syscall_name(Abi::x32, static_cast<std::int64_t>(kX32SyscallBit | 336)) == "uprobe");
  CHECK(syscall_known(Abi::x86_64, 462));
  CHECK(syscall_known(Abi::x86_64, 0));
  CHECK_FALSE(syscall_known(Abi::x86_64, 400));   // the hole x86-64 keeps free
  CHECK_FALSE(syscall_known(Abi::x86_64, 10000));  // SYS_xpledge is ours, not the kernel's
  CHECK_FALSE(syscall_known(Abi::x86_64, -1));
  CHECK(syscall_tables_release().size() > 0);
  const auto& names = syscall_names(Abi::x86_64);
  CHECK(std::binary_search(names.begin(), names.end(), "mseal"));
  CHECK(std::binary_search(names.begin(), names.end(), "file_getattr"));
}

// A newer libseccomp that learns these names must agree with the kernel tables, or the build
// would name one number two ways. Checked from both sides: by name and by number.
TEST_CASE("supplement: no duplicates, and no conflict with libseccomp by name or by number") {
  const auto rows = syscall_supplement();
  REQUIRE(!rows.empty());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    INFO(rows[i].name);
    for (std::size_t j = i + 1; j < rows.size(); ++j) CHECK(rows[i].name != rows[j].name);
    for (Abi abi : kAllAbis) {
      const auto nr = rows[i].nr(abi);
      if (!nr) continue;
      INFO(abi_name(abi));
      CHECK((abi == Abi::x32) == ((*nr & static_cast<std::int64_t>(kX32SyscallBit)) != 0));
      if (const auto lib = libseccomp_syscall_nr(abi, rows[i].name)) CHECK(*lib == *nr);
      if (const auto lib = libseccomp_syscall_name(abi, *nr)) CHECK(*lib == rows[i].name);
      CHECK(syscall_nr(abi, rows[i].name) == nr);
      CHECK(syscall_name(abi, *nr) == rows[i].name);
      for (std::size_t j = i + 1; j < rows.size(); ++j) CHECK(rows[j].nr(abi) != nr);
    }
  }
  for (Abi abi : kAllAbis) {
    const auto& known = known_syscalls(abi);
    for (std::size_t i = 1; i < known.size(); ++i) CHECK(known[i - 1].nr < known[i].nr);
  }
}

TEST_CASE("path families: the *xattr calls and their *at forms, path specs alike") {
  const auto fam = path_family("lsetxattr");
  REQUIRE(fam.size() == 3);
  CHECK(std::find(fam.begin(), fam.end(), "setxattrat") != fam.end());
  CHECK(path_family("openat").size() == 4);  // open, openat, openat2, creat
  CHECK(path_family("getpid").empty());
  CHECK(path_family("fchmodat2").size() == 3);  // chmod, fchmodat and its newer form
  CHECK(path_family("futimesat").size() == 4);  // utime, utimes, utimes with a dirfd, utimensat
  CHECK(path_family("rmdir").size() == 3);      // unlinkat(AT_REMOVEDIR)
  CHECK(path_family("fstatat64").size() == 9);  // i386's newfstatat
  // Each name is in one family at most, and every member is a call some ABI knows with a path.
  std::set<std::string_view> seen;
  for (const char* name : {"open", "stat", "access", "chmod", "chown", "unlink", "mkdir", "mknod",
                           "rename", "link", "symlink", "readlink", "utime", "execve", "getxattr",
                           "listxattr", "removexattr", "setxattr"}) {
    INFO(name);
    for (std::string_view member : path_family(name)) {
      INFO(member);
      CHECK(seen.insert(member).second);
      CHECK(std::any_of(kAllAbis.begin(), kAllAbis.end(),
                        [&](Abi abi) { return syscall_nr(abi, member).has_value(); }));
      const SyscallSig* sig = syscall_sig(member);
      REQUIRE(sig != nullptr);
      CHECK(sig->npaths > 0);
    }
  }
  for (const char* head : {"getxattr", "listxattr", "removexattr", "setxattr"}) {
    INFO(head);
    const auto members = path_family(head);
    REQUIRE(!members.empty());
    const SyscallSig* first = syscall_sig(members.front());
    REQUIRE(first);
    for (std::string_view m : members) {
      const SyscallSig* s = syscall_sig(m);
      REQUIRE(s);
      REQUIRE(s->npaths == 1);
      CHECK(s->paths[0].use == first->paths[0].use);
      CHECK(syscall_nr(Abi::x86_64, m).has_value());
    }
  }
}

// Static builds compile in the table probed at build time (core/syscall_probe.hpp): it must be
// what probing the libseccomp linked now gives, number for number, name for name.
TEST_CASE("known_syscalls: the table in use is a probe of the linked libseccomp") {
  for (Abi abi : kAllAbis) {
    CAPTURE(abi_name(abi));
    const auto& used = known_syscalls(abi);
    const auto probed = probe_known_syscalls(abi);
    REQUIRE(used.size() == probed.size());
    for (std::size_t i = 0; i < used.size(); ++i) {
      CAPTURE(i);
      CHECK(used[i].nr == probed[i].nr);
      CHECK(used[i].name == probed[i].name);
    }
  }
}
