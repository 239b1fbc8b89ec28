// The supervisor's unveil table (supervisor/unveil.cpp) against OpenBSD unveil(2)'s documented
// behaviour, the cases of regress/sys/kern/unveil that need no filesystem.
#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "abi.hpp"
#include "syscalls.hpp"
#include "unveil.hpp"

using namespace xpledge;

namespace {
std::optional<std::string> s(const char* v) { return v ? std::optional<std::string>(v) : std::nullopt; }
}  // namespace

TEST_CASE("unveil: nothing is hidden before the first call") {
  UnveilState st;
  CHECK(check_unveil(st, "/etc/passwd", Access::read) == 0);
  CHECK(check_unveil(st, "/tmp/x", Access::create) == 0);
}

TEST_CASE("unveil: the first call hides everything else (ENOENT), a missing permission is EACCES") {
  UnveilState st;
  REQUIRE(apply_unveil(st, s("/srv/data"), s("r")).err == 0);
  CHECK(check_unveil(st, "/srv/data", Access::read) == 0);
  CHECK(check_unveil(st, "/srv/data/a/b", Access::read) == 0);
  CHECK(check_unveil(st, "/srv/data/a", Access::write) == EACCES);
  CHECK(check_unveil(st, "/srv/data/new", Access::create) == EACCES);
  CHECK(check_unveil(st, "/srv/data/prog", Access::exec) == EACCES);
  CHECK(check_unveil(st, "/srv/database", Access::read) == ENOENT);  // a component, not a prefix
  CHECK(check_unveil(st, "/srv", Access::read) == ENOENT);
  CHECK(check_unveil(st, "/etc/passwd", Access::read) == ENOENT);
  CHECK(check_unveil(st, "/", Access::read) == ENOENT);
}

TEST_CASE("unveil: the most specific path decides, narrower or wider than its directory") {
  UnveilState st;
  REQUIRE(apply_unveil(st, s("/home/u"), s("rwc")).err == 0);
  REQUIRE(apply_unveil(st, s("/home/u/.ssh"), s("")).err == 0);
  REQUIRE(apply_unveil(st, s("/usr/bin/cc"), s("rx")).err == 0);
  REQUIRE(apply_unveil(st, s("/"), s("r")).err == 0);
  CHECK(check_unveil(st, "/home/u/notes", Access::create) == 0);
  CHECK(check_unveil(st, "/home/u/.ssh/id", Access::read) == EACCES);  // "" hides
  CHECK(check_unveil(st, "/usr/bin/cc", Access::exec) == 0);
  CHECK(check_unveil(st, "/usr/bin/ld", Access::exec) == EACCES);      // only r from /
  CHECK(check_unveil(st, "/etc/passwd", Access::read) == 0);
}

TEST_CASE("unveil: permissions, NULLs, lock, widening, limit") {
  UnveilState st;
  CHECK(apply_unveil(st, s("/a"), s("rq")).err == EINVAL);
  CHECK(apply_unveil(st, s("/a"), std::nullopt).err == EINVAL);
  CHECK(apply_unveil(st, std::nullopt, s("r")).err == EINVAL);
  CHECK_FALSE(st.active);  // failed calls change nothing
  REQUIRE(apply_unveil(st, s("/a"), s("rw")).err == 0);
  CHECK(apply_unveil(st, s("/a"), s("rwc")).err == EPERM);  // more than it had
  CHECK(apply_unveil(st, s("/a"), s("r")).err == 0);        // less is fine
  CHECK(check_unveil(st, "/a/f", Access::write) == EACCES);
  CHECK(apply_unveil(st, s("/a"), s("rw")).err == EPERM);
  for (std::size_t i = 1; i < kMaxUnveiledPaths; ++i)
    REQUIRE(apply_unveil(st, s(("/p" + std::to_string(i)).c_str()), s("r")).err == 0);
  CHECK(apply_unveil(st, s("/one-too-many"), s("r")).err == E2BIG);
  CHECK(apply_unveil(st, std::nullopt, std::nullopt).err == 0);  // lock
  CHECK(st.locked);
  CHECK(apply_unveil(st, s("/b"), s("r")).err == EPERM);
  CHECK(apply_unveil(st, std::nullopt, std::nullopt).err == EPERM);
  CHECK(check_unveil(st, "/a/f", Access::read) == 0);
}

TEST_CASE("unveil: lock without any path hides nothing; exec drops everything") {
  UnveilState st;
  REQUIRE(apply_unveil(st, std::nullopt, std::nullopt).err == 0);
  CHECK(check_unveil(st, "/etc/passwd", Access::read) == 0);
  CHECK(apply_unveil(st, s("/a"), s("r")).err == EPERM);
  UnveilState t;
  REQUIRE(apply_unveil(t, s("/a"), s("r")).err == 0);
  UnveilState forked = t;  // fork copies the table
  CHECK(check_unveil(forked, "/b", Access::read) == ENOENT);
  unveil_on_exec(t);
  CHECK(check_unveil(t, "/b", Access::read) == 0);
  CHECK(apply_unveil(t, s("/b"), s("r")).err == 0);
}

// Seccomp mode, a fork child's view from the filter counts (the race of a fork with the first
// xunveil(): hostile test_unveil_race fork-race cannot force it, this names every case).
TEST_CASE("unveil: a fork child's view from the Seccomp_filters counts") {
  // No unveil filter in the parent: the table is copied as it is.
  CHECK(child_unveil_view(0, 2, -1, false) == ChildUnveil::copy);
  // Installed when the parent's threads had 3 filters: a child with 3 (or more) has it.
  CHECK(child_unveil_view(3, 3, -1, false) == ChildUnveil::copy);
  CHECK(child_unveil_view(3, 4, -1, false) == ChildUnveil::copy);
  // A child with 2 was copied before TSYNC: it forked before the unveil.
  CHECK(child_unveil_view(3, 2, -1, false) == ChildUnveil::forked_before);
  // Unreadable count: cannot be placed.
  CHECK(child_unveil_view(3, -1, -1, false) == ChildUnveil::unknown);
  // Filters of the program's own: only the forking thread's count tells.
  CHECK(child_unveil_view(3, 5, 5, true) == ChildUnveil::copy);
  CHECK(child_unveil_view(3, 4, 5, true) == ChildUnveil::unknown);
  CHECK(child_unveil_view(3, 4, -1, true) == ChildUnveil::unknown);
}

TEST_CASE("unveil: the calls that reach files unseen are sorted, named by libseccomp, no path calls") {
  const auto names = unveil_blind_syscalls();
  CHECK(std::is_sorted(names.begin(), names.end()));
  for (std::string_view n : names) {
    CHECK(reaches_files_unseen(n));
    bool somewhere = false;
    for (const Abi abi : kAllAbis) somewhere = somewhere || syscall_nr(abi, n).has_value();
    CHECK_MESSAGE(somewhere, std::string(n));
    // A call with a path signature is judged by its paths instead.
    const SyscallSig* sig = syscall_sig(n);
    CHECK_MESSAGE((!sig || sig->path_args().empty()), std::string(n));
  }
  CHECK_FALSE(reaches_files_unseen("openat"));
  CHECK_FALSE(reaches_files_unseen("read"));
  // Path calls that once had no signature (so were neither checked nor refused): now judged.
  for (const char* n : {"name_to_handle_at", "inotify_add_watch"}) {
    const SyscallSig* sig = syscall_sig(n);
    REQUIRE_MESSAGE(sig, n);
    CHECK(sig->path_args().size() == 1);
  }
}
