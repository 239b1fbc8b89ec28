// learn's directory trees, PATH probes and spread metadata calls (issue 20, item 2), without a
// kernel: fake records and a fake file system in, the learned policy out.
#include <doctest/doctest.h>
#include <fcntl.h>

#include <map>
#include <string>
#include <vector>

#include "learn.hpp"
#include "policy_load.hpp"
#include "syscalls.hpp"

using namespace xpledge;

namespace {

std::uint64_t u(long long v) { return static_cast<std::uint64_t>(v); }

CallRecord rec(std::string_view name, std::vector<PathArg> paths = {},
               std::array<std::uint64_t, 6> args = {}) {
  CallRecord r;
  r.pid = r.tid = 4242;
  const auto nr = syscall_nr(Abi::x86_64, name);
  REQUIRE(nr.has_value());
  r.call = Syscall{Abi::x86_64, *nr, args};
  r.paths = std::move(paths);
  return r;
}

CallRecord open_rec(const std::string& p, int flags = O_RDONLY) {
  const Access a = (flags & O_CREAT) ? Access::create
                   : ((flags & O_ACCMODE) != O_RDONLY) ? Access::write
                                                       : Access::read;
  return rec("openat", {PathArg{p, a, 0}}, {u(AT_FDCWD), 0x1000, u(flags), 0, 0, 0});
}

// A file system of a few directories and files; anything else is missing.
LearnOptions opts(std::map<std::string, PathKind> fs) {
  LearnOptions o;
  o.home = "/home/ann";
  o.path_dirs = {"/opt/shims", "/usr/bin"};
  o.path_kind = [fs = std::move(fs)](const std::string& p) {
    const auto it = fs.find(p);
    return it == fs.end() ? PathKind::missing : it->second;
  };
  return o;
}

const std::map<std::string, PathKind> kFs{
    {"/srv", PathKind::directory},          {"/srv/www", PathKind::directory},
    {"/srv/www/index.html", PathKind::file}, {"/usr", PathKind::directory},
    {"/usr/include", PathKind::directory},   {"/usr/include/stdio.h", PathKind::file},
    {"/usr/include/sys", PathKind::directory}, {"/usr/include/sys/a.h", PathKind::file},
    {"/usr/include/x", PathKind::directory}, {"/usr/include/x/bits", PathKind::directory},
    {"/usr/include/x/sys", PathKind::directory}, {"/usr/include/x/gnu", PathKind::directory},
    {"/usr/bin", PathKind::directory},       {"/usr/bin/cc", PathKind::file},
    {"/opt", PathKind::directory},           {"/opt/shims", PathKind::directory},
    {"/etc", PathKind::directory},           {"/etc/ssl", PathKind::directory},
    {"/etc/ssl/private", PathKind::directory}, {"/etc/ssl/certs", PathKind::directory},
    {"/etc/ssl/b", PathKind::directory},     {"/etc/ssl/d", PathKind::directory},
    {"/tmp", PathKind::directory},
    {"/tmp/proj", PathKind::directory},      {"/tmp/proj/a.c", PathKind::file},
};

std::string learn(const std::vector<CallRecord>& records, const LearnOptions& o) {
  Learner l;
  for (const auto& r : records) l.on_call(r);
  return l.policy_yaml(o);
}

bool allows(const std::string& yaml, const CallRecord& r) {
  const Policy p = load_policy_string(yaml, "learned.yaml");
  CallContext ctx{r.call, r.paths};
  ctx.tgid = r.pid;
  return p.evaluate(ctx).action == Action::allow;
}

bool has(const std::string& yaml, const std::string& line) {
  return yaml.find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("a file read makes its directory a tree: a file added later is read too") {
  const std::string yaml = learn({rec("read"), open_rec("/srv/www/index.html")}, opts(kFs));
  CHECK(has(yaml, "      - /srv/www/**"));
  CHECK(allows(yaml, open_rec("/srv/www/news.html")));
  CHECK(allows(yaml, open_rec("/srv/www/img/logo.png")));
  CHECK_FALSE(allows(yaml, open_rec("/srv/secret")));
  CHECK_FALSE(allows(yaml, open_rec("/srv/www/index.html", O_WRONLY)));  // read only
}

TEST_CASE("sibling trees become their parent's; missing names their nearest directory's") {
  const std::string yaml =
      learn({rec("read"), open_rec("/usr/include/x/bits/a.h"), open_rec("/usr/include/x/sys/b.h"),
             open_rec("/usr/include/x/gnu/c.h"), open_rec("/usr/include/stdio.h"),
             open_rec("/usr/include/nothere/d.h")},
            opts(kFs));
  CHECK(has(yaml, "      - /usr/include/**"));
  CHECK(yaml.find("/usr/include/x") == std::string::npos);
  CHECK(yaml.find(".h\n") == std::string::npos);
}

TEST_CASE("no tree in a shallow directory, a kernel interface or a secret") {
  LearnOptions o = opts(kFs);
  for (const char* dir : {"/", "/etc", "/usr", "/tmp", "/var/tmp", "/dev/shm", "/proc/1",
                          "/sys/kernel", "/dev/pts",
                          "/etc/ssl", "/etc/ssh", "/etc/ssl/private/x", "/root/src",
                          "/home/ann", "/home", "/home/bob", "/srv/x/.ssh", "/home/ann/.gnupg/x"})
    CHECK_MESSAGE(!learn_tree_allowed(dir, o), dir);
  for (const char* dir : {"/srv/www", "/usr/include", "/etc/ssl/certs", "/home/ann/src/p"})
    CHECK_MESSAGE(learn_tree_allowed(dir, o), dir);

  const std::string yaml =
      learn({rec("read"), open_rec("/etc/passwd"), open_rec("/etc/ssl/private/key.pem"),
             open_rec("/etc/ssl/certs/a.pem"), open_rec("/etc/ssl/b/c.pem"),
             open_rec("/etc/ssl/d/e.pem")},
            o);
  CHECK(has(yaml, "      - /etc/passwd"));
  CHECK(has(yaml, "      - /etc/ssl/private/key.pem"));
  CHECK(has(yaml, "      - /etc/ssl/certs/**"));  // three siblings, but /etc/ssl holds private/
  CHECK_FALSE(allows(yaml, open_rec("/etc/shadow")));
  CHECK_FALSE(allows(yaml, open_rec("/etc/ssl/private/other.pem")));
}

TEST_CASE("$HOME: a credential store stays literal") {
  const std::string yaml =
      learn({rec("read"), open_rec("/home/ann/.ssh/config"), open_rec("/home/ann/src/a.c")},
            opts(kFs));
  CHECK(has(yaml, "      - /home/ann/.ssh/config"));
  CHECK(has(yaml, "      - /home/ann/src/**"));
  CHECK_FALSE(allows(yaml, open_rec("/home/ann/.ssh/id_ed25519")));
}

TEST_CASE("writes and creations: the directory's tree, for that access only") {
  const std::string yaml = learn({rec("read"), open_rec("/tmp/proj/a.o", O_WRONLY | O_CREAT),
                                  open_rec("/tmp/proj/a.c")},
                                 opts(kFs));
  CHECK(allows(yaml, open_rec("/tmp/proj/new.o", O_WRONLY | O_CREAT)));
  CHECK(allows(yaml, open_rec("/tmp/proj/new.c")));
  CHECK_FALSE(allows(yaml, open_rec("/tmp/other/x.o", O_WRONLY | O_CREAT)));
  // gcc's temporary names, gone when learn writes, stay globs below /tmp.
  const std::string tmp = learn({rec("read"), open_rec("/tmp/ccAbC123.s", O_RDWR | O_CREAT)}, opts(kFs));
  CHECK(has(tmp, "      - /tmp/cc*.s"));
}

TEST_CASE("a name searched in vain along $PATH is dropped") {
  LearnOptions o = opts(kFs);
  const std::string yaml =
      learn({rec("read"), rec("execve", {PathArg{"/opt/shims/cc", Access::exec, 0}}),
             rec("execve", {PathArg{"/usr/bin/cc", Access::exec, 0}})},
            o);
  CHECK(has(yaml, "      - /usr/bin/cc"));
  CHECK(yaml.find("/opt/shims") == std::string::npos);
  CHECK(learn_path_probe("execve", "/opt/shims/cc", o));
  CHECK(learn_path_probe("faccessat", "/opt/shims/cc", o));
  CHECK_FALSE(learn_path_probe("execve", "/usr/bin/cc", o));       // exists
  CHECK_FALSE(learn_path_probe("execve", "/srv/www/cc", o));       // not on PATH
  CHECK_FALSE(learn_path_probe("openat", "/opt/shims/pyvenv.cfg", o));  // the program's own
  CHECK(has(yaml, "errno: EACCES"));  // execvp goes on past EACCES, stops at EPERM
}

TEST_CASE("a metadata call spread over many directories is allowed by name") {
  std::vector<CallRecord> records{rec("read")};
  for (const char* p : {"/a/b/1", "/c/d/2", "/e/f/3", "/g/h/4", "/i/j/5", "/k/l/6", "/m/n/7",
                        "/o/p/8", "/q/r/9"})
    records.push_back(rec("readlink", {PathArg{p, Access::read, 0}}));
  const std::string yaml = learn(records, opts(kFs));
  CHECK_MESSAGE(has(yaml, "  - readlink  # in rpath"), yaml);
  records.resize(9);
  CHECK_FALSE(has(learn(records, opts(kFs)), "  - readlink  # in rpath"));
}

TEST_CASE("many directories opened in one directory become DIR/*, where a tree may be") {
  std::map<std::string, PathKind> fs = kFs;
  std::vector<CallRecord> records{rec("read"), open_rec("/srv/d", O_RDONLY | O_DIRECTORY)};
  std::vector<CallRecord> in_etc{rec("read")};
  for (int i = 0; i < 8; ++i) {
    const std::string sub = "/srv/d/sub" + std::to_string(i), etc = "/etc/sub" + std::to_string(i);
    fs[sub] = fs[etc] = PathKind::directory;
    records.push_back(open_rec(sub, O_RDONLY | O_DIRECTORY));
    in_etc.push_back(open_rec(etc, O_RDONLY | O_DIRECTORY));
  }
  fs["/srv/d"] = PathKind::directory;
  const std::string yaml = learn(records, opts(fs));
  CHECK(has(yaml, "      - /srv/d/*"));
  CHECK(has(yaml, "      - /srv/d"));
  CHECK_FALSE(has(yaml, "      - /srv/d/sub3"));
  CHECK(allows(yaml, open_rec("/srv/d/new", O_RDONLY | O_DIRECTORY)));
  // Listing a directory is not reading its files.
  CHECK_FALSE(allows(yaml, open_rec("/srv/d/sub3/file")));
  // /etc/* would match /etc/shadow: the names stay literal.
  const std::string etc = learn(in_etc, opts(fs));
  CHECK(has(etc, "      - /etc/sub3"));
  CHECK_FALSE(has(etc, "      - /etc/*"));
  records.resize(8);  // seven stay literal
  CHECK(has(learn(records, opts(fs)), "      - /srv/d/sub3"));
}

TEST_CASE("below /tmp, a random name that still exists is a checkout, not a one-off name") {
  std::map<std::string, PathKind> fs = kFs;
  fs["/tmp/build.AbC123"] = PathKind::directory;
  fs["/tmp/build.AbC123/src"] = PathKind::directory;
  fs["/tmp/build.AbC123/src/a.c"] = PathKind::file;
  const std::string yaml = learn({rec("read"), open_rec("/tmp/build.AbC123/src/a.c"),
                                  open_rec("/tmp/tmp.XyZ987/gone.txt")},
                                 opts(fs));
  CHECK(has(yaml, "      - /tmp/build.AbC123/src/**"));
  CHECK(has(yaml, "      - /tmp/tmp.*/gone.txt"));
}

TEST_CASE("writes in sibling directories do not merge into their parent's tree") {
  std::map<std::string, PathKind> fs = kFs;
  for (const char* d : {"/srv/www/up", "/srv/www/cache", "/srv/www/logs"}) fs[d] = PathKind::directory;
  const std::string yaml =
      learn({rec("read"), open_rec("/srv/www/up/a", O_WRONLY | O_CREAT),
             open_rec("/srv/www/cache/b", O_WRONLY | O_CREAT), open_rec("/srv/www/logs/c", O_WRONLY | O_CREAT)},
            opts(fs));
  CHECK(has(yaml, "      - /srv/www/up/**"));
  CHECK_FALSE(allows(yaml, open_rec("/srv/www/index.html", O_WRONLY | O_CREAT)));
}

TEST_CASE("a temporary name's glob: its directory's tree in a private $TMPDIR, never in /tmp") {
  std::map<std::string, PathKind> fs = kFs;
  fs["/tmp/b1"] = PathKind::directory;
  fs["/var"] = PathKind::directory;
  fs["/var/tmp"] = PathKind::directory;
  LearnOptions o = opts(fs);
  o.temp_dirs.push_back("/tmp/b1");
  const std::string yaml =
      learn({rec("read"), open_rec("/tmp/b1/ccAbC123.s", O_RDWR | O_CREAT),
             open_rec("/tmp/b1/ccAbC123.s"), open_rec("/tmp/ccXyZ987.o", O_RDWR | O_CREAT),
             open_rec("/var/tmp/ccQwE456.s", O_RDWR | O_CREAT)},
            o);
  CHECK(has(yaml, "      - /tmp/b1/**"));
  CHECK(yaml.find("/tmp/b1/cc") == std::string::npos);
  // The next run's random name, and any other file there: $TMPDIR is the build's own.
  CHECK(allows(yaml, open_rec("/tmp/b1/ccNeW999.s")));
  CHECK(allows(yaml, open_rec("/tmp/b1/ccNeW999.s", O_RDWR | O_CREAT)));
  // The shared temporary directories keep the glob: no tree takes in others' files there.
  CHECK(has(yaml, "      - /tmp/cc*.o"));
  CHECK(has(yaml, "      - /var/tmp/cc*.s"));
  CHECK_FALSE(allows(yaml, open_rec("/tmp/krb5cc_0")));
  CHECK_FALSE(allows(yaml, open_rec("/var/tmp/krb5cc_0")));
}

TEST_CASE("opens read what Landlock lets them read: files executed, the command, what is written") {
  std::map<std::string, PathKind> fs = kFs;
  fs["/usr/bin/make"] = PathKind::file;
  LearnOptions o = opts(fs);
  o.first_exec = {"/usr/bin/make"};
  const std::string yaml =
      learn({rec("read"), rec("execve", {PathArg{"/usr/bin/cc", Access::exec, 0}}),
             open_rec("/usr/include/stdio.h"), open_rec("/tmp/proj/a.o", O_WRONLY | O_CREAT)},
            o);
  CHECK(allows(yaml, open_rec("/usr/bin/cc")));
  CHECK(allows(yaml, open_rec("/usr/bin/make")));
  CHECK(allows(yaml, open_rec("/tmp/proj/a.o")));
  // Not more: exec is not widened, reading is not writing, nothing else in /usr/bin.
  CHECK_FALSE(allows(yaml, rec("execve", {PathArg{"/usr/bin/make", Access::exec, 0}})));
  CHECK_FALSE(allows(yaml, open_rec("/usr/bin/cc", O_WRONLY)));
  CHECK_FALSE(allows(yaml, open_rec("/usr/bin/ld")));
  // A program that never opens for reading still gets the rule Landlock's reads need.
  const std::string bare = learn({rec("read"), rec("execve", {PathArg{"/usr/bin/cc", Access::exec, 0}})}, o);
  CHECK(allows(bare, open_rec("/usr/bin/cc")));
}
