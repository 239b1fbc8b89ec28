/* standalone_escape: ways around libxpledge's own seccomp filter (no supervisor), tried after
 * xpledge("stdio proc", NULL). Each prints "NAME = ERRNO" (or "NAME = ok" / a signal);
 * every one must be refused, most with EPERM (a violation), clone3 with ENOSYS.
 *
 *   high-bits   sendto() a UDP datagram with the address at 0x100000000: stdio allows sendto
 *               only with a NULL address, whose low half this pointer shares; the kernel reads
 *               all 64 bits (the datagram would go out), so must the filter
 *   x32         socket through the x32 number (41 | __X32_SYSCALL_BIT)
 *   int80       socket through int $0x80 (i386 socketcall is 102, socket 359)
 *   own-filter  the program stacks a filter answering RET_ALLOW to everything, then socket()
 *   listener    a user-notification filter (it could answer for calls: must not install)
 *   clone3      raw clone3 (flags in memory: ENOSYS, so libc falls back to clone)
 *   vfork       a vfork child (shares memory, not the filter's exceptions) calls socket()
 *
 * Exit status: 0 all refused; 1 something ran; 2 the pledge itself failed. */
#include "victim.h"

#include <errno.h>
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <xpledge.h>

static int g_ran;

static void report(const char *name, long rc, int err) {
  if (rc >= 0) {
    g_ran = 1;
    say("%s = ok", name);
    if (rc > 2) close((int)rc);
  } else {
    say("%s = %s", name, errname(err));
  }
}

/* The direct i386 socket call (359; socketcall would need its arguments below 4 GiB). */
static long int80_socket(void) {
  long rc;
  __asm__ volatile("int $0x80" : "=a"(rc) : "a"(359L), "b"(AF_INET), "c"(SOCK_STREAM), "d"(0L)
                   : "memory");
  return rc;
}

int main(void) {
  /* Before the pledge: a receiver, a sender, and the receiver's address at 0x100000000. */
  int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof sin;
  void *high = mmap((void *)0x100000000ul, 4096, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (rx < 0 || tx < 0 || bind(rx, (struct sockaddr *)&sin, len) != 0 ||
      getsockname(rx, (struct sockaddr *)&sin, &len) != 0 || high != (void *)0x100000000ul)
    return say("setup = %s", errname(errno)), 2;
  memcpy(high, &sin, sizeof sin);

  if (xpledge("stdio proc", NULL) != 0) return say("xpledge = %s", errname(errno)), 2;

  long rc = syscall(SYS_sendto, tx, "x", 1, 0, high, sizeof sin);
  report("high-bits", rc, errno);

  rc = syscall(0x40000000L | SYS_socket, AF_INET, SOCK_STREAM, 0);
  report("x32", rc, errno);

  /* In a child: without i386 emulation int $0x80 raises SIGSEGV instead of reaching seccomp. */
  pid_t pid = fork();
  if (pid == 0) {
    long r = int80_socket();
    _exit(r >= 0 ? 100 : (int)-r);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status))
    say("int80 = signal %d", WTERMSIG(status));
  else if (WEXITSTATUS(status) == 100)
    report("int80", 0, 0);
  else
    report("int80", -1, WEXITSTATUS(status));

  struct sock_filter allow_all[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
  struct sock_fprog prog = {1, allow_all};
  rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
  say("own-filter installed = %s", rc == 0 ? "ok" : errname(errno));
  rc = socket(AF_INET, SOCK_STREAM, 0);
  report("own-filter", rc, errno);

  rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
  report("listener", rc, errno);

  rc = syscall(SYS_clone3, NULL, 0);
  report("clone3", rc, errno);

  /* errno is shared with the parent in a vfork child: pass it back through the exit status. */
  pid = vfork();
  if (pid == 0) {
    long r = syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
    _exit(r >= 0 ? 100 : errno);
  }
  waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 100)
    report("vfork", 0, 0);
  else
    report("vfork", -1, WIFEXITED(status) ? WEXITSTATUS(status) : EINTR);
  return g_ran;
}
