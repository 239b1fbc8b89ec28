#include <doctest/doctest.h>

#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/sysmacros.h>

#include <array>
#include <cstdint>

#include "exec_images.hpp"
#include "path_match.hpp"
#include "policy_load.hpp"
#include "syscalls.hpp"

using namespace xpledge;

namespace {

std::int64_t execve_nr() { return *syscall_nr(Abi::x86_64, "execve"); }

const char* kMaps =
    "55d0c0a00000-55d0c0a02000 r--p 00000000 08:01 1311 /opt/app/bin/my prog\n"
    "55d0c0a02000-55d0c0a06000 r-xp 00002000 08:01 1311 /opt/app/bin/my prog\n"
    "7f1c2a000000-7f1c2a001000 r--p 00000000 08:01 42   /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2\n"
    "7f1c2a001000-7f1c2a027000 r-xp 00001000 08:01 42   /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2\n"
    "7f1c2a100000-7f1c2a101000 r-xp 00000000 00:01 77   /memfd:jit (deleted)\n"
    "7ffd1e5f0000-7ffd1e611000 rw-p 00000000 00:00 0    [stack]\n"
    "7ffd1e7f0000-7ffd1e7f2000 r-xp 00000000 00:00 0    [vdso]\n"
    "7f1c2b000000-7f1c2b010000 r-xp 00000000 00:00 0 \n";

}  // namespace

TEST_CASE("exec_image_paths: the executable, then each file mapped executable, once") {
  const auto paths = exec_image_paths("/opt/app/bin/my prog", kMaps);
  REQUIRE(paths.size() == 3);
  CHECK(paths[0] == "/opt/app/bin/my prog");
  CHECK(paths[1] == "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
  CHECK(paths[2] == "/memfd:jit (deleted)");
  CHECK(exec_image_paths("", "").empty());
}

TEST_CASE("anonymous_image: memfds, deleted files and names that are no path") {
  CHECK(anonymous_image("/memfd:x (deleted)"));
  CHECK(anonymous_image("/tmp/#1234 (deleted)"));
  CHECK(anonymous_image("(unreadable)"));
  CHECK_FALSE(anonymous_image("/usr/bin/true"));
}

TEST_CASE("judge_exec_images: deny rules, anonymous files and hard links") {
  const Policy p = load_policy_string(
      "version: 1\ndefault: allow\ndeny:\n"
      "  - { syscall: execve, path: [/opt/denied/**], errno: EUCLEAN }\n"
      "  - { syscall: execveat, path: [/opt/one/tool] }\n",
      "p.yaml");
  CHECK(has_exec_path_rules(p));
  CHECK_FALSE(has_exec_path_rules(load_policy_string("version: 1\ndefault: allow\n", "q.yaml")));
  const auto none = [](const std::string&) -> std::optional<std::pair<dev_t, ino_t>> {
    return std::nullopt;
  };
  const auto nr = execve_nr();
  // The real file of a symlink, or the loader: refused with the rule's errno.
  auto r = judge_exec_images(p, Abi::x86_64, nr, {{"/usr/bin/true", {}}, {"/opt/denied/ld.so", {}}},
                             none);
  REQUIRE(r);
  CHECK(r->image == "/opt/denied/ld.so");
  CHECK(r->verdict.action == Action::deny);
  CHECK(r->verdict.err == EUCLEAN);
  // A rule on execveat governs execve (one family).
  r = judge_exec_images(p, Abi::x86_64, nr, {{"/opt/one/tool", {}}}, none);
  REQUIRE(r);
  CHECK(r->verdict.rule->describe().find("p.yaml:5") != std::string::npos);
  CHECK_FALSE(judge_exec_images(p, Abi::x86_64, nr, {{"/usr/bin/true", {}}}, none));
  // A file with no name no rule allowed by name.
  r = judge_exec_images(p, Abi::x86_64, nr, {{"/memfd:copy (deleted)", {}}}, none);
  REQUIRE(r);
  CHECK(r->verdict.err == EACCES);
  CHECK(r->verdict.rule->describe() == "exec:anonymous");
  const Policy memfd_ok = load_policy_string(
      "version: 1\ndefault: allow\nallow:\n  - { syscall: execveat, path: [\"/memfd:*\"] }\n"
      "deny:\n  - { syscall: execve, path: [/opt/denied/**] }\n",
      "m.yaml");
  CHECK_FALSE(judge_exec_images(memfd_ok, Abi::x86_64, nr, {{"/memfd:copy (deleted)", {}}}, none));
  // An allow-list refuses by `default`: that is the call's business, not the images' (its
  // loader and the target of the symlink it named need not be listed).
  const Policy allow_list = load_policy_string(
      "version: 1\ndefault: deny\nallow:\n  - { syscall: execve, path: [/usr/bin/python3] }\n",
      "a.yaml");
  CHECK_FALSE(judge_exec_images(allow_list, Abi::x86_64, nr,
                                {{"/usr/bin/python3.11", {}}, {"/usr/lib/ld-linux.so.2", {}}}, none));
  // Another name of the file a rule names literally: same device and inode.
  const auto ids = [](const std::string& path) -> std::optional<std::pair<dev_t, ino_t>> {
    if (path == "/opt/one/tool") return std::make_pair(dev_t{8}, ino_t{99});
    return std::nullopt;
  };
  r = judge_exec_images(p, Abi::x86_64, nr, {{"/tmp/hard", std::make_pair(dev_t{8}, ino_t{99})}},
                        ids);
  REQUIRE(r);
  CHECK(r->image == "/tmp/hard");
  CHECK_FALSE(judge_exec_images(p, Abi::x86_64, nr,
                                {{"/tmp/other", std::make_pair(dev_t{8}, ino_t{100})}}, ids));
}

TEST_CASE("mapped_files: the files mapped in a range, not memory that looks like one") {
  const char* maps =
      "7f0000000000-7f0000002000 r--p 00000000 08:01 1311 /opt/denied/prog\n"
      "7f0000002000-7f0000004000 r-xp 00002000 08:01 1311 /opt/denied/prog\n"
      "7f0000004000-7f0000005000 rw-s 00000000 00:01 1024 /dev/zero (deleted)\n"
      "7f0000005000-7f0000006000 r-xs 00000000 00:01 2048 /SYSV00000000 (deleted)\n"
      "7f0000006000-7f0000007000 r-xp 00000000 00:01 77   /memfd:jit (deleted)\n"
      "7f0000007000-7f0000008000 rwxp 00000000 00:00 0 \n"
      "7f0000008000-7f0000009000 r--p 00000000 fd:02 5    /srv/my file\n";
  const auto all = mapped_files(maps, 0, UINT64_MAX);
  REQUIRE(all.size() == 4);
  CHECK(all[0].path == "/opt/denied/prog");
  CHECK_FALSE(all[0].exec);
  CHECK(all[1].exec);
  CHECK(all[1].id == std::make_pair(makedev(8, 1), ino_t{1311}));
  CHECK(all[2].path == "/memfd:jit (deleted)");  // a file with no name: judged as anonymous
  CHECK(all[3].path == "/srv/my file");
  CHECK(all[3].id == std::make_pair(makedev(0xfd, 2), ino_t{5}));
  // Overlap only: [lo, hi) touching a mapping's end is outside it.
  const auto one = mapped_files(maps, 0x7f0000002000, 0x7f0000003000);
  REQUIRE(one.size() == 1);
  CHECK(one[0].start == 0x7f0000002000);
  CHECK(mapped_files(maps, 0x7f0000007000, 0x7f0000008000).empty());
  CHECK(mapped_files("garbage\n\n1-2 r-xp 0 zz 5 /x\n", 0, UINT64_MAX).empty());
}

TEST_CASE("exec_map_wanted: PROT_EXEC of a file, and PROT_READ under READ_IMPLIES_EXEC") {
  const auto call = [](std::string_view name, Abi abi, std::array<std::uint64_t, 6> args) {
    return Syscall{abi, *syscall_nr(abi, name), args};
  };
  const std::uint64_t rx = PROT_READ | PROT_EXEC;
  CHECK(exec_map_wanted(call("mmap", Abi::x86_64, {0, 4096, rx, MAP_PRIVATE, 3, 0}), 0));
  CHECK_FALSE(exec_map_wanted(call("mmap", Abi::x86_64, {0, 4096, PROT_READ, MAP_PRIVATE, 3, 0}), 0));
  CHECK(exec_map_wanted(call("mmap", Abi::x86_64, {0, 4096, PROT_READ, MAP_PRIVATE, 3, 0}),
                        READ_IMPLIES_EXEC));
  // Anonymous memory is no file: JIT code is not an exec rule's business.
  CHECK_FALSE(exec_map_wanted(
      call("mmap", Abi::x86_64, {0, 4096, rx, MAP_PRIVATE | MAP_ANONYMOUS, ~0ULL, 0}), 0));
  CHECK(exec_map_wanted(call("mprotect", Abi::x86_64, {0x1000, 4096, rx}), 0));
  CHECK(exec_map_wanted(call("pkey_mprotect", Abi::x86_64, {0x1000, 4096, rx, ~0ULL}), 0));
  // i386: the low half only; its mmap2 has the same layout; its old mmap is always judged.
  CHECK(exec_map_wanted(call("mmap2", Abi::i386, {0, 4096, 0xffffffff00000000ULL | rx, 2, 3, 0}), 0));
  CHECK(exec_map_call(call("mmap", Abi::i386, {})) == ExecMapCall::old_mmap);
  CHECK(exec_map_wanted(call("personality", Abi::x86_64, {READ_IMPLIES_EXEC}), 0));
  CHECK_FALSE(exec_map_wanted(call("personality", Abi::x86_64, {0xffffffff}), 0));
  CHECK_FALSE(exec_map_wanted(call("read", Abi::x86_64, {}), READ_IMPLIES_EXEC));
}

TEST_CASE("shebang_interpreter: the kernel's reading of a #! line") {
  CHECK(shebang_interpreter("#!/bin/sh\necho hi\n") == "/bin/sh");
  CHECK(shebang_interpreter("#! \t/usr/bin/env python3 -u\n") == "/usr/bin/env");
  CHECK(shebang_interpreter("#!/opt/a script") == "/opt/a");  // no newline in the buffer
  CHECK_FALSE(shebang_interpreter("#!   \n"));
  CHECK_FALSE(shebang_interpreter("\x7f" "ELF\x02\x01"));
  CHECK_FALSE(shebang_interpreter(""));
}

TEST_CASE("judge_exec_images: another name of a file a deny glob names (bounded search)") {
  CHECK(glob_literal_prefix("/srv/bin/**") == "/srv/bin");
  CHECK(glob_literal_prefix("/opt/*/x") == "/opt");
  CHECK(glob_literal_prefix("/x*") == "/");
  const Policy p = load_policy_string(
      "version: 1\ndefault: allow\ndeny:\n"
      "  - { syscall: execve, path: [\"/srv/bin/**\"], errno: EUCLEAN }\n",
      "g.yaml");
  const auto none = [](const std::string&) -> std::optional<std::pair<dev_t, ino_t>> {
    return std::nullopt;
  };
  std::vector<std::string> asked;
  const OtherNamesFn names = [&](const ExecImage& image, const std::string& dir) {
    asked.push_back(dir);
    if (image.id && image.id->second == 7) return std::vector<std::string>{"/srv/bin/sub/tool"};
    if (image.id && image.id->second == 8) return std::vector<std::string>{"/srv/binx/tool"};
    return std::vector<std::string>{};
  };
  const auto nr = execve_nr();
  const auto r = judge_exec_images(p, Abi::x86_64, nr,
                                   {{"/home/u/tool", std::make_pair(dev_t{1}, ino_t{7})}}, none, names);
  REQUIRE(r);
  CHECK(r->image == "/home/u/tool");
  CHECK(r->verdict.err == EUCLEAN);
  CHECK(asked == std::vector<std::string>{"/srv/bin"});
  // A name the glob does not match is no reason.
  CHECK_FALSE(judge_exec_images(p, Abi::x86_64, nr,
                                {{"/home/u/t2", std::make_pair(dev_t{1}, ino_t{8})}}, none, names));
  // Without the search (no callback) a glob's hard links are not found.
  CHECK_FALSE(judge_exec_images(p, Abi::x86_64, nr,
                                {{"/home/u/tool", std::make_pair(dev_t{1}, ino_t{7})}}, none));
}
