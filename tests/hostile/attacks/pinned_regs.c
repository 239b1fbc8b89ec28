// pinned_regs DIR paths|unveil: correctness, not an escape. The x86-64 syscall instruction keeps
// every register but rax, rcx and r11, and compiled code may rely on rdi, rsi, rdx, r10, r8 and
// r9 holding their values after it. The supervisor points a checked call's path (or socket
// address) at its pinned copy in the scratch area, or makes an open an openat2: after the call
// the program must see its own registers again, not the scratch address.
//   openat   openat(AT_FDCWD, DIR/file, O_RDONLY): the path is pinned
//   open     open(DIR/file, O_RDONLY): made openat2(RESOLVE_NO_SYMLINKS) on the pinned path
//   restart  openat(DIR/fifo, O_WRONLY) interrupted by SIGALRM (SA_RESTART), whose handler makes
//            a pinned openat of its own: the restarted call still opens the FIFO, registers kept
//   connect  (unveil only: every address is then read and pinned) a UDP connect to 127.0.0.1:9
// `unveil` first unveils DIR "rwc" (raw SYS_xunveil), which makes every path and address checked.
#include "attack.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>

struct regs6 {
  long a[6];  // rdi rsi rdx r10 r8 r9
};

// The call `nr` with io's six argument registers; io holds what they are after it.
static long sys6(long nr, struct regs6 *io) {
  register long r10 __asm__("r10") = io->a[3];
  register long r8 __asm__("r8") = io->a[4];
  register long r9 __asm__("r9") = io->a[5];
  long rax = nr, rdi = io->a[0], rsi = io->a[1], rdx = io->a[2];
  __asm__ volatile("syscall"
                   : "+a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                   :
                   : "rcx", "r11", "memory");
  io->a[0] = rdi, io->a[1] = rsi, io->a[2] = rdx, io->a[3] = r10, io->a[4] = r8, io->a[5] = r9;
  return rax;
}

static const char *kNames[6] = {"rdi", "rsi", "rdx", "r10", "r8", "r9"};

// One call, its result, and its registers compared with what they were before.
static long checked(const char *name, long nr, long a0, long a1, long a2, long a3) {
  struct regs6 before = {{a0, a1, a2, a3, 0x5eed0008L, 0x5eed0009L}}, io = before;
  const long r = sys6(nr, &io);
  for (int i = 0; i < 6; ++i)
    if (io.a[i] != before.a[i]) {
      bypass(name, "%s is %#lx after the call, was %#lx (result %ld)", kNames[i],
             (unsigned long)io.a[i], (unsigned long)before.a[i], r);
      return r;
    }
  if (r < 0) setup_error(name, "the call failed: %s", errname((int)-r));
  else ok(name, "every argument register kept (result %ld)", r);
  return r;
}

static char g_file[4096], g_fifo[4096];

static void handler(int sig) {
  (void)sig;
  struct regs6 io = {{AT_FDCWD, (long)g_file, O_RDONLY, 0, 0, 0}};
  const long fd = sys6(SYS_openat, &io);
  if (fd >= 0) close((int)fd);
}

static void restart_case(void) {
  const pid_t reader = fork();
  if (reader == 0) {  // the FIFO's reader, once the writer has been interrupted
    sleep(2);
    const int fd = open(g_fifo, O_RDONLY);
    char c;
    if (fd >= 0) (void)!read(fd, &c, 1);
    _exit(0);
  }
  restarting_alarm(handler);
  const long fd = checked("restart", SYS_openat, AT_FDCWD, (long)g_fifo, O_WRONLY, 0x5eed0003L);
  struct stat st;
  if (fd >= 0 && (fstat((int)fd, &st) != 0 || !S_ISFIFO(st.st_mode)))
    bypass("restart-target", "the restarted open did not open the FIFO");
  else if (fd >= 0)
    ok("restart-target", "the restarted open opened the FIFO");
  if (fd >= 0) close((int)fd);
  waitpid(reader, NULL, 0);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    setup_error("usage", "pinned_regs DIR paths|unveil");
    return finish();
  }
  snprintf(g_file, sizeof g_file, "%s/file", argv[1]);
  snprintf(g_fifo, sizeof g_fifo, "%s/fifo", argv[1]);
  const int unveil = strcmp(argv[2], "unveil") == 0;
  if (unveil && syscall(10001, argv[1], "rwc") != 0) {
    setup_error("unveil", "xunveil: %s", errname(errno));
    return finish();
  }
  long fd = checked("openat", SYS_openat, AT_FDCWD, (long)g_file, O_RDONLY, 0x5eed0003L);
  if (fd >= 0) close((int)fd);
  fd = checked("open", SYS_open, (long)g_file, O_RDONLY, 0x5eed0002L, 0x5eed0003L);
  if (fd >= 0) close((int)fd);
  restart_case();
  if (unveil) {
    const int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(9)};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    checked("connect", SYS_connect, s, (long)&sin, sizeof sin, 0x5eed0003L);
    close(s);
  }
  return finish();
}
