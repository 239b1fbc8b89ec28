// unix_path DIR MODE [SECONDS]: AF_UNIX socket paths under unveil. DIR holds open/, noct/,
// read/ and shut/; before the unveil this program makes a listening stream socket s.sock and a
// bound datagram socket d.sock in each, and the symlink open/link -> shut/s.sock. Then
// SYS_xunveil (10001, raw) shows open "rwc", noct "rw", read "r" and hides shut, and:
//   connect-shut      connect(shut/s.sock)             -> ENOENT (hidden), nothing queued there
//   connect-open      connect(open/s.sock)             works (w)
//   connect-read      connect(read/s.sock)             -> EACCES (needs w)
//   connect-rel       connect("shut/s.sock") from DIR  -> ENOENT; "open/s.sock" works
//   connect-tight     connect("open/s.sock") from DIR with SUN_LEN's length: its absolute
//                     path does not fit there, so it cannot be pinned -> ENAMETOOLONG
//   connect-link      connect(open/link)               -> ENOENT (it reaches shut/s.sock)
//   bind-shut         bind(shut/new.sock)              -> ENOENT (the script: no file made)
//   bind-noct         bind(noct/new.sock)              -> EACCES (needs c)
//   bind-open         bind(open/new.sock)              works (c)
//   abstract          bind and connect an abstract name (not a path): work
//   sendto-shut       sendto(shut/d.sock) on SOCK_DGRAM -> ENOENT, nothing arrives
//   sendto-open       sendto(open/d.sock)              works, arrives
//   sendmsg-shut      sendmsg with msg_name shut/d.sock -> ENOENT; sendmsg-open works
//   sendmmsg-shut     sendmmsg, message 0 to shut/d.sock -> ENOENT
//   sendmmsg-mixed    sendmmsg [open/d.sock, shut/d.sock] -> 1 (the first only); shut gets none
//   send-connected    send() on a datagram socket connected before the unveil works
//   thread            another thread's connect(shut/s.sock) -> ENOENT
//   vfork, fork       a vfork child's and a fork child's connect(shut/s.sock) -> ENOENT
//   cwd-race          a thread fchdir()s between open/ and shut/ (descriptors taken before the
//                     unveil) while this one connects to the relative "s.sock" for SECONDS:
//                     shut's listener must accept nothing
//   race              a thread flips sun_path between open/s.sock and shut/s.sock while this one
//                     connects in a loop for SECONDS (default 2): shut's listener must accept
//                     nothing (open's must, or the loop proves nothing)
// MODE: `unveil`, or `pledge` (pledges "stdio rpath unix unveil proc sendfd" first: the pledge
// filter allows connect outright, the unveil filter must still stop it).
#include "attack.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

static char g_dir[72];  // sun_path holds 108 bytes: DIR + "/open/new.sock"

static socklen_t addr_of(struct sockaddr_un *a, const char *rel) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  if (rel[0] == '/' || rel[0] == '@')
    snprintf(a->sun_path, sizeof a->sun_path, "%s", rel);
  else
    snprintf(a->sun_path, sizeof a->sun_path, "%s/%s", g_dir, rel);
  if (rel[0] == '@') a->sun_path[0] = 0;  // abstract
  return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(rel[0] == '@' ? rel : a->sun_path) + 1);
}

static int listener(const char *rel, int type) {
  struct sockaddr_un a;
  const socklen_t len = addr_of(&a, rel);
  const int fd = socket(AF_UNIX, type | SOCK_NONBLOCK, 0);
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, len) != 0 ||
      (type == SOCK_STREAM && listen(fd, 4096) != 0)) {
    setup_error("setup", "listener %s: %s", rel, errname(errno));
    return -1;
  }
  return fd;
}

// How many connections wait on a listener (all taken), or datagrams on a datagram socket.
static int drain(int fd) {
  int n = 0;
  char buf[64];
  for (;;) {
    const int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    if (c >= 0) { close(c); n++; continue; }
    if (errno != ENOTSOCK && errno != EOPNOTSUPP && errno != EINVAL) return n;
    break;
  }
  while (recv(fd, buf, sizeof buf, MSG_DONTWAIT) >= 0) n++;
  return n;
}

static long try_connect(const char *rel, int *err) {
  struct sockaddr_un a;
  const socklen_t len = addr_of(&a, rel);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
  const long r = connect(fd, (struct sockaddr *)&a, len);
  *err = errno;
  close(fd);
  return r;
}

static void expect_works(const char *name, long r, int err) {
  if (r >= 0) ok(name, "works");
  else bypass(name, "an allowed call failed: errno=%s (transparency)", errname(err));
}

static void expect_refused(const char *name, long r, int err, int want, int reached) {
  if (reached) bypass(name, "the refused peer got %d", reached);
  else expect_denied(name, r, err, want);
}

static int g_shut_s, g_open_s, g_shut_d, g_open_d;

static void connects(void) {
  int err;
  long r = try_connect("shut/s.sock", &err);
  expect_refused("connect-shut", r, err, ENOENT, drain(g_shut_s));
  r = try_connect("open/s.sock", &err);
  expect_works("connect-open", r, err);
  r = try_connect("read/s.sock", &err);
  expect_refused("connect-read", r, err, EACCES, 0);
  r = try_connect("open/link", &err);
  expect_refused("connect-link", r, err, ENOENT, drain(g_shut_s));
  // Relative to the cwd, as the kernel resolves them.
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  strcpy(a.sun_path, "shut/s.sock");
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
  r = connect(fd, (struct sockaddr *)&a, sizeof a);
  err = errno;
  close(fd);
  expect_refused("connect-rel", r, err, ENOENT, drain(g_shut_s));
  strcpy(a.sun_path, "open/s.sock");
  fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
  r = connect(fd, (struct sockaddr *)&a, sizeof a);
  close(fd);
  if (r != 0) bypass("connect-rel", "relative open/s.sock failed: %s", errname(errno));
  drain(g_open_s);
  fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
  r = connect(fd, (struct sockaddr *)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(a.sun_path) + 1));
  err = errno;
  close(fd);
  expect_refused("connect-tight", r, err, ENAMETOOLONG, drain(g_open_s));
}

static void binds(void) {
  const struct { const char *name, *rel; int want; } cases[] = {
      {"bind-shut", "shut/new.sock", ENOENT}, {"bind-noct", "noct/new.sock", EACCES},
      {"bind-open", "open/new.sock", 0}, {"abstract", "@xpledge-unix-path-test", 0}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct sockaddr_un a;
    const socklen_t len = addr_of(&a, cases[i].rel);
    const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    const long r = bind(fd, (struct sockaddr *)&a, len);
    const int err = errno;
    if (cases[i].want) {
      expect_denied(cases[i].name, r, err, cases[i].want);
    } else if (r != 0) {
      expect_works(cases[i].name, r, err);
    } else if (cases[i].rel[0] == '@') {
      listen(fd, 1);
      int cerr = 0;
      expect_works(cases[i].name, try_connect(cases[i].rel, &cerr), cerr);
    } else {
      ok(cases[i].name, "works");
    }
    close(fd);
  }
}

static void datagrams(void) {
  const int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  struct sockaddr_un shut, open_;
  const socklen_t ls = addr_of(&shut, "shut/d.sock"), lo = addr_of(&open_, "open/d.sock");
  long r = sendto(fd, "x", 1, 0, (struct sockaddr *)&shut, ls);
  int err = errno;
  expect_refused("sendto-shut", r, err, ENOENT, drain(g_shut_d));
  r = sendto(fd, "x", 1, 0, (struct sockaddr *)&open_, lo);
  err = errno;
  expect_works("sendto-open", r == 1 && drain(g_open_d) == 1 ? 0 : -1, err);
  struct iovec iov = {.iov_base = "x", .iov_len = 1};
  struct msghdr m = {.msg_name = &shut, .msg_namelen = ls, .msg_iov = &iov, .msg_iovlen = 1};
  r = sendmsg(fd, &m, 0);
  err = errno;
  expect_refused("sendmsg-shut", r, err, ENOENT, drain(g_shut_d));
  m.msg_name = &open_;
  m.msg_namelen = lo;
  r = sendmsg(fd, &m, 0);
  err = errno;
  expect_works("sendmsg-open", r == 1 && drain(g_open_d) == 1 ? 0 : -1, err);
  struct mmsghdr v[2] = {
      {.msg_hdr = {.msg_name = &shut, .msg_namelen = ls, .msg_iov = &iov, .msg_iovlen = 1}},
      {.msg_hdr = {.msg_name = &shut, .msg_namelen = ls, .msg_iov = &iov, .msg_iovlen = 1}}};
  r = sendmmsg(fd, v, 2, 0);
  err = errno;
  expect_refused("sendmmsg-shut", r, err, ENOENT, drain(g_shut_d));
  v[0].msg_hdr.msg_name = &open_;
  v[0].msg_hdr.msg_namelen = lo;
  r = sendmmsg(fd, v, 2, 0);
  err = errno;
  const int got_shut = drain(g_shut_d), got_open = drain(g_open_d);
  if (got_shut) bypass("sendmmsg-mixed", "shut/d.sock got %d", got_shut);
  else if (r >= 1 && got_open >= 1) ok("sendmmsg-mixed", "returned %ld, open got %d", r, got_open);
  else bypass("sendmmsg-mixed", "returned %ld errno=%s, open got %d (transparency)", r,
              errname(err), got_open);
  close(fd);
}

static void *thread_connect(void *arg) {
  int *err = arg;
  return (void *)try_connect("shut/s.sock", err);
}

static void children(void) {
  int err = 0;
  pthread_t th;
  void *res;
  pthread_create(&th, NULL, thread_connect, &err);
  pthread_join(th, &res);
  expect_refused("thread", (long)res, err, ENOENT, drain(g_shut_s));
  for (int use_vfork = 1; use_vfork >= 0; use_vfork--) {
    const char *name = use_vfork ? "vfork" : "fork";
    const pid_t pid = use_vfork ? vfork() : fork();
    if (pid == 0) {
      struct sockaddr_un a;
      const socklen_t len = addr_of(&a, "shut/s.sock");
      const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
      _exit(connect(fd, (struct sockaddr *)&a, len) == 0 ? 0 : errno);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    const int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    expect_refused(name, code == 0 ? 0 : -1, code, ENOENT, drain(g_shut_s));
  }
}

static struct sockaddr_un g_flip;
static atomic_int g_stop;

static void *flipper(void *arg) {
  (void)arg;
  // Same length: only the directory's four letters change. Volatile stores: the compiler may
  // not drop the first as dead (nothing in this thread reads it before the second).
  volatile char *dir = strstr(g_flip.sun_path, "open/s.sock");
  unsigned spin = 1;
  while (!atomic_load(&g_stop)) {
    for (int i = 0; i < 4; i++) dir[i] = "shut"[i];
    spin = spin_pause(spin);
    for (int i = 0; i < 4; i++) dir[i] = "open"[i];
    spin = spin_pause(spin);
  }
  return NULL;
}

// Connects to `addr` for `seconds` while the flipping thread `th` runs, counting the
// connections each listener accepted; stops and joins `th`. Returns the number of tries.
static long connect_until(const struct sockaddr_un *addr, socklen_t len, int seconds, pthread_t th,
                          int *reached_open, int *reached_shut) {
  const time_t end = time(NULL) + seconds;
  long tries = 0;
  while (time(NULL) < end) {
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    (void)!connect(fd, (const struct sockaddr *)addr, len);
    close(fd);
    tries++;
    *reached_open += drain(g_open_s);
    *reached_shut += drain(g_shut_s);
  }
  atomic_store(&g_stop, 1);
  pthread_join(th, NULL);
  *reached_shut += drain(g_shut_s);
  return tries;
}

static void race(int seconds) {
  const socklen_t len = addr_of(&g_flip, "open/s.sock");
  pthread_t th;
  pthread_create(&th, NULL, flipper, NULL);
  int reached_open = 0, reached_shut = 0;
  const long tries = connect_until(&g_flip, len, seconds, th, &reached_open, &reached_shut);
  if (reached_shut) bypass("race", "%d of %ld connects reached shut/s.sock", reached_shut, tries);
  else if (!reached_open) setup_error("race", "no connect reached open/s.sock in %ld tries", tries);
  else if (reached_open == tries) setup_error("race", "every connect reached open/s.sock: no flip seen");
  else ok("race", "%ld connects, %d reached open/s.sock, none shut/s.sock", tries, reached_open);
}

static int g_cwd_fd[2];

static void *cwd_flipper(void *arg) {
  (void)arg;
  unsigned spin = 1;
  while (!atomic_load(&g_stop)) {
    (void)!fchdir(g_cwd_fd[1]);
    spin = spin_pause(spin);
    (void)!fchdir(g_cwd_fd[0]);
    spin = spin_pause(spin);
  }
  return NULL;
}

static void cwd_race(int seconds) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  strcpy(a.sun_path, "s.sock");
  if (fchdir(g_cwd_fd[0]) != 0) { setup_error("cwd-race", "fchdir: %s", errname(errno)); return; }
  atomic_store(&g_stop, 0);
  pthread_t th;
  pthread_create(&th, NULL, cwd_flipper, NULL);
  int reached_open = 0, reached_shut = 0;
  const long tries = connect_until(&a, sizeof a, seconds, th, &reached_open, &reached_shut);
  (void)!chdir(g_dir);
  if (reached_shut) bypass("cwd-race", "%d of %ld connects reached shut/s.sock", reached_shut, tries);
  else if (!reached_open) setup_error("cwd-race", "no connect reached open/s.sock in %ld tries", tries);
  else ok("cwd-race", "%ld connects, %d reached open/s.sock, none shut/s.sock", tries, reached_open);
}

int main(int argc, char **argv) {
  if (argc < 3) { setup_error("usage", "unix_path DIR unveil|pledge [SECONDS]"); return finish(); }
  if (strlen(argv[1]) >= sizeof g_dir) {
    setup_error("usage", "DIR longer than %zu bytes: its socket paths would not fit", sizeof g_dir - 1);
    return finish();
  }
  snprintf(g_dir, sizeof g_dir, "%s", argv[1]);
  g_shut_s = listener("shut/s.sock", SOCK_STREAM);
  g_open_s = listener("open/s.sock", SOCK_STREAM);
  g_shut_d = listener("shut/d.sock", SOCK_DGRAM);
  g_open_d = listener("open/d.sock", SOCK_DGRAM);
  if (listener("read/s.sock", SOCK_STREAM) < 0) return finish();
  char link_path[200], target[200];
  snprintf(link_path, sizeof link_path, "%s/open/link", g_dir);
  snprintf(target, sizeof target, "%s/shut/s.sock", g_dir);
  // Connected before the unveil: its sends name no address.
  const int connected = socket(AF_UNIX, SOCK_DGRAM, 0);
  struct sockaddr_un a;
  const socklen_t len = addr_of(&a, "open/d.sock");
  if (symlink(target, link_path) != 0 || chdir(g_dir) != 0 ||
      connect(connected, (struct sockaddr *)&a, len) != 0)
    setup_error("setup", "symlink, chdir or connect: %s", errname(errno));
  g_cwd_fd[0] = open("open", O_RDONLY | O_DIRECTORY);
  g_cwd_fd[1] = open("shut", O_RDONLY | O_DIRECTORY);
  if (g_cwd_fd[0] < 0 || g_cwd_fd[1] < 0) setup_error("setup", "open dirs: %s", errname(errno));
  if (g_setup_error) return finish();
  if (strcmp(argv[2], "pledge") == 0 &&
      syscall(10000, "stdio rpath unix unveil proc sendfd", NULL) != 0) {
    setup_error("pledge", "xpledge: %s", errname(errno));
    return finish();
  }
  const char *views[][2] = {{"open", "rwc"}, {"noct", "rw"}, {"read", "r"}};
  for (size_t i = 0; i < 3; i++) {
    char p[200];
    snprintf(p, sizeof p, "%s/%s", g_dir, views[i][0]);
    if (syscall(10001, p, views[i][1]) != 0) {
      setup_error("unveil", "xunveil(%s): %s", p, errname(errno));
      return finish();
    }
  }
  connects();
  binds();
  datagrams();
  expect_works("send-connected", send(connected, "x", 1, 0) == 1 && drain(g_open_d) == 1 ? 0 : -1,
               errno);
  children();
  race(argc > 3 ? atoi(argv[3]) : 2);
  cwd_race(argc > 3 ? atoi(argv[3]) : 2);
  return finish();
}
