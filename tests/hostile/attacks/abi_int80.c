// abi_int80: i386 system calls (`int $0x80`) from this 64-bit program. The kernel runs them
// against the i386 table (eax=5 is i386 open, x86-64 fstat; 20 is getpid, 37 kill, 11 execve,
// 120 clone, 102 socketcall). Under a policy whose `abis` lacks i386 every one must be denied.
//
//   abi_int80 probe                 natively: "ret=<eax of i386 getpid>" (is IA32 emulation on?)
//   abi_int80 denied ERRNO FILE     i386 getpid, open(FILE), kill(supervisor, SIGKILL),
//                                   execve("/bin/true"), clone(SIGCHLD), socketcall(socket):
//                                   each must fail with ERRNO
//   abi_int80 socketcall ERRNO      (i386 allowed) socketcall(SYS_SOCKET, {AF_INET,
//                                   SOCK_STREAM, 0}) must fail with ERRNO: its arguments are in
//                                   memory, out of reach of argument rules
// i386 pointers are 32-bit: strings and argument blocks are copied below 2 GiB (MAP_32BIT).
#include "attack.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

static long int80(long nr, long a, long b, long c, long d, long e) {
  long ret;
  register long rsi __asm__("rsi") = d;
  register long rdi __asm__("rdi") = e;
  __asm__ volatile("int $0x80"
                   : "=a"(ret)
                   : "a"(nr), "b"(a), "c"(b), "d"(c), "r"(rsi), "r"(rdi)
                   : "r8", "r9", "r10", "r11", "memory", "cc");
  return (int)ret;  // an i386 program sees eax only
}

// i386 results are -errno in eax; turn them into (r, errno) like a libc wrapper would.
static void expect_int80_denied(const char *name, long ret, int want) {
  if (ret < 0 && ret > -4096)
    expect_denied(name, -1, (int)-ret, want);
  else
    expect_denied(name, ret, 0, want);
}

static char *low_copy(const char *s, size_t len) {
  char *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
                   -1, 0);
  if (low == MAP_FAILED) return NULL;
  memcpy(low, s, len);
  return low;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "probe") == 0) {
    say(1, "ret=%ld\n", int80(20, 0, 0, 0, 0, 0));
    return 0;
  }
  int want = argc >= 3 ? errno_from(argv[2]) : -1;
  if (want <= 0) {
    say(2, "usage: abi_int80 probe | denied ERRNO FILE | socketcall ERRNO\n");
    return 2;
  }
  const unsigned int sock_args[3] = {AF_INET, SOCK_STREAM, 0};
  char *args = low_copy((const char *)sock_args, sizeof sock_args);
  if (!args) {
    setup_error("mmap", "MAP_32BIT: %s", errname(errno));
    return finish();
  }
  if (strcmp(argv[1], "socketcall") == 0) {
    expect_int80_denied("i386-socketcall-socket", int80(102, 1, (long)args, 0, 0, 0), want);
    return finish();
  }
  if (strcmp(argv[1], "denied") != 0 || argc != 4) return 2;
  char *path = low_copy(argv[3], strlen(argv[3]) + 1);
  static const char true_path[] = "/bin/true";
  char *prog = low_copy(true_path, sizeof true_path);
  unsigned int *argvec = (unsigned int *)low_copy("\0\0\0\0\0\0\0\0", 8);
  if (!path || !prog || !argvec) {
    setup_error("mmap", "MAP_32BIT: %s", errname(errno));
    return finish();
  }
  argvec[0] = (unsigned int)(unsigned long)prog;
  const pid_t supervisor = getppid();

  expect_int80_denied("i386-getpid", int80(20, 0, 0, 0, 0, 0), want);
  long fd = int80(5, (long)path, 0 /* O_RDONLY */, 0, 0, 0);
  expect_int80_denied("i386-open", fd, want);
  if (fd >= 0) close((int)fd);
  expect_int80_denied("i386-kill-supervisor", int80(37, supervisor, SIGKILL, 0, 0, 0), want);
  // On success the image is replaced and the remaining lines never appear: the script notices.
  expect_int80_denied("i386-execve", int80(11, (long)prog, (long)argvec, 0, 0, 0), want);
  long child = int80(120, SIGCHLD, 0, 0, 0, 0);  // clone(SIGCHLD): fork
  if (child == 0) _exit(0);
  if (child > 0) waitpid((pid_t)child, NULL, 0);
  expect_int80_denied("i386-clone", child, want);
  expect_int80_denied("i386-socketcall-socket", int80(102, 1, (long)args, 0, 0, 0), want);
  return finish();
}
