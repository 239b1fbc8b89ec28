// dns_addr: after xpledge("stdio dns") a socket may reach only the nameservers of
// /etc/resolv.conf on port 53 (the test mounts one naming NS, 127.0.0.77, in a network namespace
// of its own), and no message may carry descriptors (SCM_RIGHTS needs sendfd). Then the race:
// a thread flips the sockaddr a loop connects to and sends to, and the msg_controllen of a
// sendmsg, between what is allowed and what is not, as fast as it can. A listener forked before
// the pledge counts what reached the other address (OTHER, 127.0.0.78:53) and the descriptors
// that arrived: any is a bypass.
//
//   dns_addr dns SECONDS      every variant under "stdio dns"
//   dns_addr inet SECONDS     descriptor passing under "stdio inet" (sendfd/recvfd needed)
//   dns_addr native SECONDS   no pledge: the races must reach OTHER (the race is real)
//   dns_addr resolve NAME     getaddrinfo(NAME, AF_UNSPEC) under "stdio dns": glibc's resolver
//   dns_addr policy NAME      the same with no xpledge() (the policy's promises), and a sendmmsg
//                             to OTHER, which the policy's EUCLEAN refuses
//   dns_addr sendfd 1         "stdio dns sendfd": sendmmsg is granted by name and runs whole
//
// sendmmsg under dns runs as a sendmsg of its first message (engine/addr_pinning.cpp): a short
// send of 1, vec[0].msg_len written; message 0 judged as sendmsg, the others never sent.
#include "attack.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>

#define SYS_xpledge 10000
#define NS "127.0.0.77"
#define OTHER "127.0.0.78"

static struct sockaddr_in g_sa;  // flipped: NS:53 <-> OTHER:53
static struct msghdr g_msg;      // flipped: no control <-> one SCM_RIGHTS
static struct sockaddr_in g_other_sa;  // OTHER:53, fixed
static struct mmsghdr g_avec[2];  // [0].msg_name flipped: &g_sa <-> &g_other_sa; [1] to OTHER
static struct mmsghdr g_mvec[2];  // [0].msg_controllen flipped like g_msg's; [1] plain
static atomic_int g_stop;
static unsigned long long g_flips;

static struct sockaddr_in inet_at(const char *ip, int port) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

// A control buffer holding one SCM_RIGHTS for descriptor 0.
union rights {
  char buf[CMSG_SPACE(sizeof(int))];
  struct cmsghdr align;
};

static void fill_rights(union rights *cm) {
  memset(cm, 0, sizeof *cm);
  struct cmsghdr *h = (struct cmsghdr *)cm->buf;
  h->cmsg_level = SOL_SOCKET;
  h->cmsg_type = SCM_RIGHTS;
  h->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(h), &(int){0}, sizeof(int));
}

static void *flipper(void *arg) {
  size_t control_len = (size_t)arg;
  volatile in_addr_t *addr = &g_sa.sin_addr.s_addr;
  volatile size_t *clen = &g_msg.msg_controllen;
  volatile size_t *mclen = &g_mvec[0].msg_hdr.msg_controllen;
  void *volatile *mname = &g_avec[0].msg_hdr.msg_name;
  const in_addr_t ns = inet_addr(NS), other = inet_addr(OTHER);
  unsigned long long n = 0;
  unsigned spin = 1;
  while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
    *addr = other;
    *clen = control_len;
    *mclen = control_len;
    *mname = &g_other_sa;
    spin = spin_pause(spin);
    *addr = ns;
    *clen = 0;
    *mclen = 0;
    *mname = &g_sa;
    spin = spin_pause(spin);
    n += 2;
  }
  g_flips = n;
  return NULL;
}

// The listener, forked before the pledge: counts TCP connections accepted on OTHER, datagrams
// received on OTHER and descriptors received on `unix_fd`, until `ctl` closes; then writes
// "OTHER_TCP OTHER_UDP FDS" to `out`.
static int listen_on(int type, const char *ip) {
  int s = socket(AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  struct sockaddr_in a = inet_at(ip, 53);
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 ||
      (type == SOCK_STREAM && listen(s, 4096) != 0))
    return -1;
  return s;
}

static void listener(int ctl, int out, int unix_fd, int ns_tcp, int other_tcp, int other_udp,
                     int ns_udp) {
  long other = 0, udp = 0, fds = 0;
  struct pollfd p[6] = {{ctl, POLLIN, 0}, {ns_tcp, POLLIN, 0}, {other_tcp, POLLIN, 0},
                        {other_udp, POLLIN, 0}, {unix_fd, POLLIN, 0}, {ns_udp, POLLIN, 0}};
  for (;;) {
    if (poll(p, 6, -1) < 0 && errno != EINTR) break;
    if (p[0].revents) break;
    int c;
    while ((c = accept4(ns_tcp, NULL, NULL, SOCK_CLOEXEC)) >= 0) close(c);
    while ((c = accept4(other_tcp, NULL, NULL, SOCK_CLOEXEC)) >= 0) close(c), other++;
    char buf[64];
    while (recv(other_udp, buf, sizeof buf, MSG_DONTWAIT) >= 0) udp++;
    while (recv(ns_udp, buf, sizeof buf, MSG_DONTWAIT) >= 0) {
    }
    for (;;) {
      union rights cm;
      struct iovec iov = {buf, sizeof buf};
      struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf,
                         .msg_controllen = sizeof cm.buf};
      if (recvmsg(unix_fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) < 0) break;
      for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h))
        if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS) {
          int fd;
          memcpy(&fd, CMSG_DATA(h), sizeof fd);
          close(fd);
          fds++;
        }
    }
  }
  say(out, "%ld %ld %ld\n", other, udp, fds);
  _exit(0);
}

static void expect(const char *name, int r, int want) {
  if (want == 0) {
    if (r == 0)
      ok(name, "allowed");
    else
      bypass(name, "errno=%s, expected success (an allowed call refused)", errname(errno));
  } else {
    expect_denied(name, r, errno, want);
  }
}

static int tcp_connect(struct sockaddr_in a) {
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int r = connect(s, (struct sockaddr *)&a, sizeof a);
  int e = errno;
  close(s);
  errno = e;
  return r;
}

// sendmsg on `fd` with one SCM_RIGHTS (`rights`) or none, to `to` (NULL: connected).
static int send_msg(int fd, int rights, const struct sockaddr_in *to) {
  union rights cm;
  fill_rights(&cm);
  struct iovec iov = {"x", 1};
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
  if (to) m.msg_name = (void *)to, m.msg_namelen = sizeof *to;
  if (rights) {
    m.msg_control = cm.buf;
    m.msg_controllen = sizeof cm.buf;
  }
  return sendmsg(fd, &m, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

static void single_calls(int sandboxed, int unix_fd) {
  const struct sockaddr_in ns = inet_at(NS, 53), other = inet_at(OTHER, 53);
  const int denied = sandboxed ? EPERM : 0;
  expect("tcp-ns", tcp_connect(ns), 0);
  int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  expect("udp-ns", sendto(u, "q", 1, 0, (const struct sockaddr *)&ns, sizeof ns) == 1 ? 0 : -1, 0);
  expect("udp-other", sendto(u, "q", 1, 0, (const struct sockaddr *)&other, sizeof other) == 1 ? 0 : -1,
         denied);
  expect("sendmsg-other", send_msg(u, 0, &other), denied);
  expect("sendmsg-ns", send_msg(u, 0, &ns), 0);
  expect("udp-connect-ns", connect(u, (const struct sockaddr *)&ns, sizeof ns), 0);
  close(u);
  if (sandboxed) {
    expect("tcp-other-80", tcp_connect(inet_at("127.0.0.1", 80)), EPERM);
    expect("tcp-ns-port", tcp_connect(inet_at(NS, 80)), EPERM);
  }
  // From an AF_INET6 socket, ::ffff:OTHER reaches OTHER over IPv4.
  int s6 = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in6 m6 = {.sin6_family = AF_INET6, .sin6_port = htons(53)};
  inet_pton(AF_INET6, "::ffff:" OTHER, &m6.sin6_addr);
  expect("v4mapped-other", connect(s6, (struct sockaddr *)&m6, sizeof m6), denied);
  close(s6);
  expect("sendmsg-plain", send_msg(unix_fd, 0, NULL), 0);
}

// sendmmsg of `vlen` (at most 2) one-byte messages on `fd`: message i to to[i] (NULL: the
// connected peer), with one SCM_RIGHTS if rights[i]. lens: each msg_len after (777: untouched).
static int send_mmsg(int fd, const struct sockaddr_in *to0, const struct sockaddr_in *to1,
                     int rights0, int rights1, unsigned vlen, unsigned lens[2]) {
  union rights cm[2];
  struct iovec iov[3] = {{"a", 1}, {"b", 1}, {"c", 1}};
  struct mmsghdr v[3];
  memset(v, 0, sizeof v);
  const struct sockaddr_in *to[2] = {to0, to1};
  const int rights[2] = {rights0, rights1};
  for (int i = 0; i < 2; i++) {
    v[i].msg_hdr.msg_iov = &iov[i];
    v[i].msg_hdr.msg_iovlen = 1;
    v[i].msg_len = 777;
    if (to[i]) v[i].msg_hdr.msg_name = (void *)to[i], v[i].msg_hdr.msg_namelen = sizeof *to[i];
    if (rights[i]) {
      fill_rights(&cm[i]);
      v[i].msg_hdr.msg_control = cm[i].buf;
      v[i].msg_hdr.msg_controllen = sizeof cm[i].buf;
    }
  }
  v[2].msg_hdr.msg_iov = &iov[2];  // vlen 3: the program's own filter refuses it
  v[2].msg_hdr.msg_iovlen = 1;
  int r = sendmmsg(fd, v, vlen, MSG_NOSIGNAL);
  lens[0] = v[0].msg_len;
  lens[1] = v[1].msg_len;
  return r;
}

// A sendmmsg that must send `want` messages (lens 1, the rest untouched).
static void expect_sent(const char *name, int r, int want, const unsigned lens[2]) {
  const unsigned want1 = want == 2 ? 1 : 777;
  if (r == want && lens[0] == 1 && lens[1] == want1)
    ok(name, "%d sent, msg_len %u %u", r, lens[0], lens[1]);
  else
    bypass(name, "returned %d (errno=%s), msg_len %u %u; expected %d, 1 %u", r,
           errname(r < 0 ? errno : 0), lens[0], lens[1], want, want1);
}

// An i386 sendmmsg (int $0x80, nr 345) of one message to the nameserver: its vector, header and
// address below 4 GiB in the compat layouts. It cannot be pinned (no injected shmat through int
// $0x80), so under dns it keeps its refusal; natively it sends 1.
static void mmsg_i386(int sandboxed, int fd) {
  long probe;
  __asm__ volatile("int $0x80" : "=a"(probe) : "a"(20L) : "memory", "cc");  // i386 getpid
  if ((int)probe == -ENOSYS) {
    skipped("mmsg-i386", "no IA32 emulation on this kernel (int $0x80 getpid: ENOSYS)");
    return;
  }
  unsigned *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
                       -1, 0);
  if (low == MAP_FAILED) {
    setup_error("mmsg-i386", "mmap(MAP_32BIT): %s", errname(errno));
    return;
  }
  const struct sockaddr_in ns = inet_at(NS, 53);
  const unsigned base = (unsigned)(unsigned long)low;
  memcpy((char *)low + 256, &ns, sizeof ns);  // the address
  memcpy((char *)low + 512, "q", 1);          // the datagram
  low[96] = base + 512;                        // compat iovec {base, len} at +384
  low[97] = 1;
  // compat_mmsghdr at +0: name, namelen, iov, iovlen, control, controllen, flags, msg_len
  const unsigned hdr[8] = {base + 256, sizeof ns, base + 384, 1, 0, 0, 0, 777};
  memcpy(low, hdr, sizeof hdr);
  long r;
  register long rsi __asm__("rsi") = MSG_NOSIGNAL;
  __asm__ volatile("int $0x80"
                   : "=a"(r)
                   : "a"(345L), "b"((long)fd), "c"((long)base), "d"(1L), "r"(rsi)
                   : "r8", "r9", "r10", "r11", "memory", "cc");
  r = (int)r;
  if (sandboxed) {
    if (r == -EPERM) ok("mmsg-i386", "errno=EPERM (refused: cannot be pinned)");
    else bypass("mmsg-i386", "returned %ld, expected -EPERM", r);
  } else if (r == 1 && low[7] == 1) {
    ok("mmsg-i386", "1 sent, msg_len 1");
  } else {
    bypass("mmsg-i386", "natively returned %ld, msg_len %u", r, low[7]);
  }
  munmap(low, 4096);
}

// sendmmsg under dns: message 0 judged as a sendmsg, the others never sent (a short send).
static void mmsg_calls(int sandboxed, int unix_fd) {
  const struct sockaddr_in ns = inet_at(NS, 53), other = inet_at(OTHER, 53);
  const int all = sandboxed ? 1 : 2;
  unsigned lens[2];
  int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  expect_sent("mmsg-ns", send_mmsg(u, &ns, NULL, 0, 0, 1, lens), 1, lens);
  expect_sent("mmsg-ns-ns", send_mmsg(u, &ns, &ns, 0, 0, 2, lens), all, lens);
  expect_sent("mmsg-other1", send_mmsg(u, &ns, &other, 0, 0, 2, lens), all, lens);
  int r = send_mmsg(u, &other, &ns, 0, 0, 2, lens);
  if (sandboxed) expect_denied("mmsg-other0", r, errno, EPERM);
  else expect_sent("mmsg-other0", r, 2, lens);
  close(u);
  r = send_mmsg(unix_fd, NULL, NULL, 1, 0, 2, lens);
  if (sandboxed) expect_denied("mmsg-rights0", r, errno, EPERM);
  else expect_sent("mmsg-rights0", r, 2, lens);
  expect_sent("mmsg-rights1", send_mmsg(unix_fd, NULL, NULL, 0, 1, 2, lens), all, lens);
  // glibc's own call: a connected socket, no names, the A and AAAA queries.
  u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  connect(u, (const struct sockaddr *)&ns, sizeof ns);
  expect_sent("mmsg-connected", send_mmsg(u, NULL, NULL, 0, 0, 2, lens), all, lens);
  close(u);
  u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  mmsg_i386(sandboxed, u);
  close(u);
  u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  connect(u, (const struct sockaddr *)&ns, sizeof ns);
  // The vector in read-only memory: the kernel's put_user of msg_len fails (EFAULT, message 0
  // sent); the supervisor's write-back must not succeed where the program cannot write.
  static const struct iovec ro_iov = {"z", 1};
  static const struct mmsghdr ro_vec[1] = {
      {.msg_hdr = {.msg_iov = (struct iovec *)&ro_iov, .msg_iovlen = 1}}};
  r = sendmmsg(u, (struct mmsghdr *)ro_vec, 1, MSG_NOSIGNAL);
  const int e = errno;
  const unsigned ro_len = ((volatile const struct mmsghdr *)ro_vec)[0].msg_len;
  if (r == -1 && e == EFAULT && ro_len == 0) ok("mmsg-readonly", "errno=EFAULT");
  else bypass("mmsg-readonly", "returned %d errno=%s msg_len=%u, expected EFAULT, 0", r,
              errname(e), ro_len);
  close(u);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

// Connects and sends to the flipped address, and sends the flipped message, for `seconds`.
static void race(double seconds, int unix_fd, long *peer_other) {
  union rights cm;
  fill_rights(&cm);
  struct iovec iov = {"x", 1};
  g_msg.msg_iov = &iov;
  g_msg.msg_iovlen = 1;
  g_msg.msg_control = cm.buf;
  struct iovec iov2 = {"y", 1};
  g_mvec[0].msg_hdr = g_msg;
  g_mvec[1].msg_hdr = (struct msghdr){.msg_iov = &iov2, .msg_iovlen = 1};
  g_other_sa = inet_at(OTHER, 53);
  g_avec[0].msg_hdr = (struct msghdr){.msg_name = &g_sa, .msg_namelen = sizeof g_sa,
                                      .msg_iov = &iov, .msg_iovlen = 1};
  g_avec[1].msg_hdr = (struct msghdr){.msg_name = &g_other_sa, .msg_namelen = sizeof g_other_sa,
                                      .msg_iov = &iov2, .msg_iovlen = 1};
  int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  const double end = now() + seconds;
  for (int i = 0; i < 4000 && now() < end; i++) {  // ports: TIME_WAIT lasts a minute
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (connect(s, (struct sockaddr *)&g_sa, sizeof g_sa) == 0) {
      struct sockaddr_in peer;
      socklen_t len = sizeof peer;
      if (getpeername(s, (struct sockaddr *)&peer, &len) == 0 &&
          peer.sin_addr.s_addr == inet_addr(OTHER))
        (*peer_other)++;
    }
    close(s);
    sendto(u, "x", 1, MSG_DONTWAIT, (struct sockaddr *)&g_sa, sizeof g_sa);
    sendmsg(unix_fd, &g_msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    sendmmsg(u, g_avec, 2, MSG_DONTWAIT);
    sendmmsg(unix_fd, g_mvec, 2, MSG_DONTWAIT | MSG_NOSIGNAL);
  }
  close(u);
}

// The program's own seccomp filter refuses sendmmsg with vlen 3 (ENOTUNIQ): a sendmmsg run as
// a sendmsg must still meet it, so nothing reaches the nameserver (its log shows no junk).
static void own_filter_refuses(int u) {
  struct sock_filter f[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sendmmsg, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 3, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOTUNIQ),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {sizeof f / sizeof f[0], f};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
    setup_error("mmsg-own-filter", "installing the filter: %s", errname(errno));
    return;
  }
  const struct sockaddr_in ns = inet_at(NS, 53);
  unsigned lens[2];
  int r = send_mmsg(u, &ns, &ns, 0, 0, 3, lens);
  // Its own errno (seccomp mode: it outranks our trace) or our refusal (--no-seccomp: we stop
  // first and keep it, the process having filters of its own): either way nothing is sent.
  if (r == -1 && (errno == ENOTUNIQ || errno == EUCLEAN))
    ok("mmsg-own-filter", "errno=%s", errname(errno));
  else
    bypass("mmsg-own-filter", "returned %d errno=%s: the program's own filter was bypassed", r,
           errname(errno));
}

// The honest client: libc's resolver, through the nameserver, under the pledge (or, with
// `pledge` 0, the policy's promises). AF_UNSPEC: glibc asks for A and AAAA with one sendmmsg.
static int resolve(const char *name, int pledge) {
  if (pledge && syscall(SYS_xpledge, "stdio dns", NULL) != 0) {
    setup_error("resolve", "xpledge: %s", errname(errno));
    return finish();
  }
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res;
  int r = getaddrinfo(name, "53", &hints, &res);
  if (r != 0) {
    bypass("resolve", "getaddrinfo(%s): %s (the resolver refused)", name, gai_strerror(r));
    return finish();
  }
  char text[INET_ADDRSTRLEN] = "?";
  for (struct addrinfo *a = res; a; a = a->ai_next)
    if (a->ai_family == AF_INET)
      inet_ntop(AF_INET, &((struct sockaddr_in *)a->ai_addr)->sin_addr, text, sizeof text);
  ok("resolve", "%s is %s", name, text);
  if (!pledge) {
    // Message 0 to OTHER: refused by the policy (its EUCLEAN), as a sendmsg would be.
    const struct sockaddr_in other = inet_at(OTHER, 53);
    unsigned lens[2];
    int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    const int r2 = send_mmsg(u, &other, NULL, 0, 0, 1, lens);
    expect_denied("mmsg-other0", r2, errno, EUCLEAN);
    own_filter_refuses(u);
  }
  return finish();
}

// "stdio dns sendfd" grants sendmmsg by name: the program's own call runs, every message.
static int sendfd_whole(void) {
  if (syscall(SYS_xpledge, "stdio dns sendfd", NULL) != 0) {
    setup_error("sendfd", "xpledge: %s", errname(errno));
    return finish();
  }
  const struct sockaddr_in ns = inet_at(NS, 53);
  unsigned lens[2];
  int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  expect_sent("mmsg-whole", send_mmsg(u, &ns, &ns, 0, 0, 2, lens), 2, lens);
  return finish();
}

int main(int argc, char **argv) {
  if (argc != 3) {
    say(2, "usage: dns_addr dns|inet|native SECONDS | dns_addr resolve|policy NAME | "
           "dns_addr sendfd 1\n");
    return 2;
  }
  const char *mode = argv[1];
  if (strcmp(mode, "resolve") == 0 || strcmp(mode, "policy") == 0)
    return resolve(argv[2], strcmp(mode, "resolve") == 0);
  if (strcmp(mode, "sendfd") == 0) return sendfd_whole();
  const int native = strcmp(mode, "native") == 0;
  int pair[2], ctl[2], out[2];
  int ns_tcp = listen_on(SOCK_STREAM, NS), other_tcp = listen_on(SOCK_STREAM, OTHER);
  int other_udp = listen_on(SOCK_DGRAM, OTHER), ns_udp = listen_on(SOCK_DGRAM, NS);
  if (ns_tcp < 0 || other_tcp < 0 || other_udp < 0 || ns_udp < 0 || pipe2(ctl, O_CLOEXEC) != 0 ||
      pipe2(out, O_CLOEXEC) != 0 || socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair) != 0) {
    setup_error("setup", "listeners on " NS ":53 and " OTHER ":53: %s (run in the test's "
                "network namespace)", errname(errno));
    return finish();
  }
  pid_t child = fork();
  if (child == 0) {
    close(ctl[1]);
    listener(ctl[0], out[1], pair[1], ns_tcp, other_tcp, other_udp, ns_udp);
  }
  close(ctl[0]);
  close(out[1]);
  close(pair[1]);
  g_sa = inet_at(NS, 53);
  const char *promises = strcmp(mode, "inet") == 0 ? "stdio inet" : "stdio dns";
  if (!native && syscall(SYS_xpledge, promises, NULL) != 0) {
    setup_error("setup", "xpledge(\"%s\"): %s", promises, errname(errno));
    return finish();
  }
  pthread_t th;  // under the pledge: a thread is stdio's
  if (pthread_create(&th, NULL, flipper, (void *)(size_t)CMSG_SPACE(sizeof(int))) != 0) {
    setup_error("setup", "pthread_create failed");
    return finish();
  }
  if (strcmp(mode, "inet") != 0) single_calls(!native, pair[0]);
  if (strcmp(mode, "inet") != 0) mmsg_calls(!native, pair[0]);
  long r = send_msg(pair[0], 1, NULL);
  expect_denied("sendmsg-rights", r, errno, native ? 0 : EPERM);
  char buf[8];
  struct iovec iov = {buf, sizeof buf};
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
  r = recvmsg(pair[0], &m, MSG_DONTWAIT);
  expect_denied("recvmsg", r, errno, native ? EAGAIN : EPERM);
  long peer_other = 0;
  if (strcmp(mode, "inet") != 0) race(atof(argv[2]), pair[0], &peer_other);
  atomic_store(&g_stop, 1);
  pthread_join(th, NULL);
  close(ctl[1]);  // the listener reports
  char counts[128] = {0};
  ssize_t n = read(out[0], counts, sizeof counts - 1);
  long other = -1, udp = -1, fds = -1;
  if (n <= 0 || sscanf(counts, "%ld %ld %ld", &other, &udp, &fds) != 3) {
    setup_error("listener", "no counts from the listener");
    return finish();
  }
  if (strcmp(mode, "inet") == 0) {
    if (fds == 0) ok("rights-arrived", "no descriptor arrived");
    else bypass("rights-arrived", "%ld descriptors arrived", fds);
    return finish();
  }
  if (other == 0 && udp == 0 && fds == 0 && peer_other == 0)
    ok("race", "%llu flips: nothing reached " OTHER ", no descriptor arrived", g_flips);
  else
    bypass("race", "%llu flips: %ld connections (%ld seen by getpeername) and %ld datagrams "
           "reached " OTHER ", %ld descriptors arrived", g_flips, other, peer_other, udp, fds);
  return finish();
}
