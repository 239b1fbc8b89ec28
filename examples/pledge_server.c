/* pledge_server: the usual shape of a pledged program, in C.
 *
 *   1. acquire everything while unrestricted: open the document, bind and listen on a socket;
 *   2. xpledge("stdio inet", NULL): from now on no file can be opened, nothing executed, no
 *      process forked;
 *   3. serve from the descriptors already open.
 *
 *   pledge_server_c [--self-test] [FILE]
 *
 * It serves FILE (default /etc/os-release) to every client of 127.0.0.1:PORT (printed).
 * --self-test connects to itself once, prints what it received and exits: a demo that needs no
 * second terminal. Step 2 then shows that a later fopen() fails with EPERM.
 *
 * Under `xpledge run` the supervisor enforces the promises; run directly, libxpledge installs a
 * seccomp filter for them itself. Only with XPLEDGE_REQUIRE_SUPERVISOR=1 (libxpledge's own
 * switch) does xpledge() fail with ENOSYS, and the program then says it runs unrestricted (or
 * refuses to, with XPLEDGE_REQUIRED=1 set). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xpledge.h>

static void die(const char *what) {
  fprintf(stderr, "pledge_server: %s: %s\n", what, strerror(errno));
  exit(1);
}

/* Send the whole document on fd `client`, read with pread so the offset never needs a reopen. */
static void serve(int doc, int client) {
  char buf[4096];
  off_t off = 0;
  ssize_t n;
  while ((n = pread(doc, buf, sizeof buf, off)) > 0) {
    if (write(client, buf, (size_t)n) != n) break;
    off += n;
  }
}

int main(int argc, char **argv) {
  int self_test = argc > 1 && strcmp(argv[1], "--self-test") == 0;
  const char *path = argc > 1 + self_test ? argv[1 + self_test] : "/etc/os-release";

  /* 1. Acquire. */
  int doc = open(path, O_RDONLY | O_CLOEXEC);
  if (doc < 0) die(path);
  int srv = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (srv < 0) die("socket");
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof addr;
  if (bind(srv, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(srv, 8) < 0 ||
      getsockname(srv, (struct sockaddr *)&addr, &len) < 0)
    die("bind");

  /* 2. Pledge. ENOSYS means no supervisor: say so (or refuse to run without one). */
  if (xpledge("stdio inet", NULL) == -1) {
    if (errno != ENOSYS) die("xpledge");
    if (getenv("XPLEDGE_REQUIRED")) {
      fprintf(stderr, "pledge_server: not supervised; run me under `xpledge run`\n");
      return 1;
    }
    printf("not supervised (xpledge: ENOSYS): running unrestricted\n");
  } else {
    printf("pledged: stdio inet\n");
  }
  FILE *f = fopen("/etc/passwd", "r");
  printf("fopen(\"/etc/passwd\") after the pledge: %s\n", f ? "opened" : strerror(errno));
  if (f) fclose(f);
  printf("serving %s on 127.0.0.1:%d\n", path, ntohs(addr.sin_port));
  fflush(stdout);

  /* 3. Serve from what is already open. */
  if (self_test) {
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c < 0 || connect(c, (struct sockaddr *)&addr, sizeof addr) < 0) die("connect");
    int client = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
    if (client < 0) die("accept");
    serve(doc, client);
    close(client);
    char buf[4096];
    ssize_t n, total = 0;
    while ((n = read(c, buf, sizeof buf)) > 0) total += n;
    printf("self-test: received %zd bytes\n", total);
    return 0;
  }
  for (;;) {
    int client = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
    if (client < 0) {
      if (errno == EINTR) continue;
      die("accept");
    }
    serve(doc, client);
    close(client);
  }
}
