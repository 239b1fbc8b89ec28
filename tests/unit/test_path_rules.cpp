// Path rules against resolved paths (issue 17): what allow and deny rules hold against, the
// move guard, the literal prefix a rule is bound by, which calls follow a last symlink, and the
// open_how an open becomes when it is pointed at its resolved path. No kernel: inputs by hand.
#include <fcntl.h>
#include <linux/openat2.h>

#include <cstring>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include "path_resolve.hpp"
#include "policy.hpp"
#include "policy_load.hpp"
#include "rule_binding.hpp"
#include "syscalls.hpp"

using namespace xpledge;

namespace {

Syscall call_of(const char* name, std::array<std::uint64_t, 6> args = {}) {
  Syscall c;
  c.abi = Abi::x86_64;
  c.nr = *syscall_nr(Abi::x86_64, name);
  c.args = args;
  return c;
}

PathArg resolved(std::string path, std::string literal, Access a = Access::read) {
  PathArg p = PathArg::of(std::move(path), a);
  p.literal = std::move(literal);
  return p;
}

Action verdict(const Policy& p, const char* name, const std::vector<PathArg>& paths) {
  CallContext ctx{call_of(name), paths};
  return p.evaluate(ctx).action;
}

}  // namespace

TEST_CASE("glob_literal_prefix: up to the first component with a wildcard") {
  CHECK(glob_literal_prefix("/srv/secret/**") == "/srv/secret");
  CHECK(glob_literal_prefix("/etc/shadow") == "/etc/shadow");
  CHECK(glob_literal_prefix("/home/*/x") == "/home");
  CHECK(glob_literal_prefix("/*") == "/");
  CHECK(glob_literal_prefix("/etc/ssl/private/*.key") == "/etc/ssl/private");
}

TEST_CASE("allow rules hold against the object reached; deny rules against any name") {
  const Policy p = load_policy_string(
      "version: 1\ndefault: deny\n"
      "allow:\n  - { syscall: openat, path: /pub/** }\n"
      "deny:\n  - { syscall: openat, path: /secret/**, errno: EUCLEAN }\n",
      "t.yaml");
  // A symlink under /pub to a file outside it: the object decides the allow.
  CHECK(verdict(p, "openat", {resolved("/elsewhere/f", "/pub/link")}) == Action::deny);
  CHECK(verdict(p, "openat", {resolved("/pub/f", "/pub/f")}) == Action::allow);
  // A symlink under /pub to the secret: denied by the object.
  CHECK(verdict(p, "openat", {resolved("/secret/f", "/pub/link")}) == Action::deny);
  // The string names the secret, the object is elsewhere: the deny holds on the string too.
  CHECK(verdict(p, "openat", {resolved("/pub/f", "/secret/link")}) == Action::deny);
  // The object lies under a denied directory that was renamed to /pub/moved.
  PathArg moved = resolved("/pub/moved/f", "/pub/moved/f");
  moved.alt_paths = {"/secret/f"};
  CHECK(verdict(p, "openat", {moved}) == Action::deny);
}

TEST_CASE("a file a deny rule names literally is denied under any name (hard link)") {
  Policy::Impl impl;
  Rule r;
  r.action = Action::deny;
  r.syscall = "openat";
  r.nr[0] = *syscall_nr(Abi::x86_64, "openat");
  r.paths = {"/etc/key"};
  r.file_ids = {FileId{7, 42}};
  r.ref = RuleRef{"deny", 0, {}};
  impl.rules.push_back(r);
  impl.default_action = Action::allow;
  impl.abis[0] = true;
  impl.index_rules();
  const Policy p(std::make_shared<const Policy::Impl>(std::move(impl)));
  PathArg other = resolved("/tmp/hard", "/tmp/hard");
  CHECK(verdict(p, "openat", {other}) == Action::allow);
  other.id = FileId{7, 42};
  CHECK(verdict(p, "openat", {other}) == Action::deny);
}

TEST_CASE("moves_out_of_denied_tree: renames and links out of (or above) a denied tree") {
  const Policy p = load_policy_string(
      "version: 1\ndefault: allow\n"
      "deny:\n  - { syscall: openat, path: /srv/secret/**, errno: EUCLEAN }\n",
      "t.yaml");
  const auto moves = [&](const char* name, const char* from, const char* to,
                         std::uint64_t flags = 0) {
    const std::vector<PathArg> paths{PathArg::of(from, Access::create),
                                     PathArg::of(to, Access::create)};
    CallContext ctx{call_of(name, {0, 0, 0, 0, flags, 0}), paths};
    return p.moves_out_of_denied_tree(ctx) != nullptr;
  };
  CHECK(moves("rename", "/srv/secret/sub", "/tmp/sub"));
  CHECK(moves("link", "/srv/secret/f", "/tmp/f"));
  CHECK(moves("rename", "/srv/secret", "/tmp/x"));
  CHECK(moves("rename", "/srv", "/tmp/srv"));  // above the tree: carries it
  CHECK_FALSE(moves("rename", "/srv/secret/a", "/srv/secret/b"));  // stays inside
  CHECK_FALSE(moves("rename", "/tmp/a", "/tmp/b"));
  CHECK_FALSE(moves("rename", "/srv/secretive", "/tmp/b"));
  // RENAME_EXCHANGE carries the destination back out.
  CHECK(moves("renameat2", "/tmp/a", "/srv/secret/b", RENAME_EXCHANGE));
  CHECK_FALSE(moves("renameat2", "/tmp/a", "/srv/secret/b"));
  // A policy with no deny path rule guards nothing, and does not stop renames.
  const Policy open = load_policy_string("version: 1\ndefault: allow\n", "o.yaml");
  CHECK_FALSE(open.needs_paths(Abi::x86_64, *syscall_nr(Abi::x86_64, "rename")));
  CHECK(p.needs_paths(Abi::x86_64, *syscall_nr(Abi::x86_64, "rename")));
  CHECK_FALSE(p.allows_unconditionally(Abi::x86_64, *syscall_nr(Abi::x86_64, "linkat")));
}

TEST_CASE("follows_last: the calls and flags that act on a last symlink itself") {
  const auto follows = [](const char* name, std::array<std::uint64_t, 6> args,
                          std::optional<std::uint64_t> open_flags = std::nullopt,
                          std::size_t index = 0) {
    return follows_last(*syscall_sig(name), index, call_of(name, args), open_flags);
  };
  CHECK(follows("stat", {}));
  CHECK_FALSE(follows("lstat", {}));
  CHECK_FALSE(follows("unlink", {}));
  CHECK_FALSE(follows("rename", {}));
  CHECK(follows("newfstatat", {0, 0, 0, 0}));
  CHECK_FALSE(follows("newfstatat", {0, 0, 0, AT_SYMLINK_NOFOLLOW}));
  CHECK(follows("openat", {}, O_RDONLY));
  CHECK_FALSE(follows("openat", {}, O_RDONLY | O_NOFOLLOW));
  CHECK_FALSE(follows("openat", {}, O_CREAT | O_EXCL | O_WRONLY));
  CHECK(follows("openat", {}, O_CREAT | O_WRONLY));  // creates the symlink's target
  CHECK_FALSE(follows("linkat", {0, 0, 0, 0, 0, 0}));
  CHECK(follows("linkat", {0, 0, 0, 0, AT_SYMLINK_FOLLOW, 0}));
  CHECK_FALSE(follows("linkat", {0, 0, 0, 0, AT_SYMLINK_FOLLOW, 0}, std::nullopt, 1));
}

TEST_CASE("no_symlinks_open_how: the open_how an open becomes") {
  const auto how_of = [](const std::optional<std::string>& bytes) {
    open_how h{};
    REQUIRE(bytes);
    REQUIRE(bytes->size() == sizeof h);
    std::memcpy(&h, bytes->data(), sizeof h);
    return h;
  };
  constexpr auto kNoLinks = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  // openat: flags and mode kept; unknown flag bits dropped, as open() ignores them.
  auto h = how_of(no_symlinks_open_how("openat", call_of("openat", {0, 0, O_RDONLY | 0x80000000u, 0777}), {}));
  CHECK(h.flags == O_RDONLY);
  CHECK(h.mode == 0);  // a mode only to create
  CHECK(h.resolve == kNoLinks);
  h = how_of(no_symlinks_open_how("open", call_of("open", {0, O_WRONLY | O_CREAT, 0100644}), {}));
  CHECK(h.flags == (O_WRONLY | O_CREAT));
  CHECK(h.mode == 0644);  // file-type bits dropped, as the kernel does
  h = how_of(no_symlinks_open_how("creat", call_of("creat", {0, 0600}), {}));
  CHECK(h.flags == (O_CREAT | O_WRONLY | O_TRUNC));
  CHECK(h.mode == 0600);
  // O_PATH keeps only its own flags.
  h = how_of(no_symlinks_open_how("openat", call_of("openat", {0, 0, O_PATH | O_RDWR | O_CLOEXEC, 0}), {}));
  CHECK(h.flags == (O_PATH | O_CLOEXEC));
  // openat2: kept unless it has RESOLVE_* of its own or non-zero bytes past the struct.
  open_how own{};
  own.flags = O_RDONLY;
  std::string bytes(reinterpret_cast<const char*>(&own), sizeof own);
  CHECK(how_of(no_symlinks_open_how("openat2", call_of("openat2"), bytes)).resolve == kNoLinks);
  CHECK_FALSE(no_symlinks_open_how("openat2", call_of("openat2"), bytes + std::string(8, '\1')));
  own.resolve = RESOLVE_BENEATH;
  bytes.assign(reinterpret_cast<const char*>(&own), sizeof own);
  CHECK_FALSE(no_symlinks_open_how("openat2", call_of("openat2"), bytes));
  CHECK_FALSE(no_symlinks_open_how("stat", call_of("stat"), {}));
}

TEST_CASE("open_truncates: O_TRUNC an open left to the kernel would run before its exit check") {
  CHECK(open_truncates("open", call_of("open", {0, O_WRONLY | O_TRUNC, 0}), {}));
  CHECK_FALSE(open_truncates("open", call_of("open", {0, O_WRONLY, 0}), {}));
  CHECK(open_truncates("openat", call_of("openat", {0, 0, O_RDWR | O_TRUNC, 0}), {}));
  CHECK_FALSE(open_truncates("openat", call_of("openat", {0, 0, O_PATH | O_TRUNC, 0}), {}));
  CHECK(open_truncates("creat", call_of("creat", {0, 0600}), {}));
  CHECK_FALSE(open_truncates("stat", call_of("stat"), {}));
  open_how own{};
  own.flags = O_WRONLY | O_TRUNC | O_CLOEXEC;
  own.resolve = RESOLVE_NO_XDEV;
  const std::string bytes(reinterpret_cast<const char*>(&own), sizeof own);
  CHECK(open_truncates("openat2", call_of("openat2"), bytes));
  CHECK_FALSE(open_truncates("openat2", call_of("openat2"), bytes.substr(0, 4)));
  const std::string without = open_how_with_flags(bytes, O_TRUNC, 0);
  REQUIRE(without.size() == bytes.size());
  CHECK_FALSE(open_truncates("openat2", call_of("openat2"), without));
  open_how back{};
  std::memcpy(&back, without.data(), sizeof back);
  CHECK(back.flags == (O_WRONLY | O_CLOEXEC));
  CHECK(back.resolve == RESOLVE_NO_XDEV);  // the rest is the program's own
}
