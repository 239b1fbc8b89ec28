// exec_map DIR LOADER: a file runs without execve when a program maps it executable itself
// (issue 17, item 3). DIR/denied/prog is a copy of echo that a deny exec rule names (by glob and
// literally); DIR/ok/prog an allowed copy; DIR/ok/hard a hard link to the denied one. Each
// variant tries to get the denied file (or an anonymous one) mapped PROT_EXEC:
//   ld.so      LOADER DIR/denied/prog RAN: the loader maps it (in a child; must not print RAN)
//   mmap, mmap-hardlink, mmap-memfd: mmap(PROT_READ|PROT_EXEC) of its fd
//   mprotect, pkey-mprotect: a PROT_READ mapping of it (allowed), then PROT_EXEC added
//   personality: READ_IMPLIES_EXEC, which would make the PROT_READ mapping executable unseen
//   dup2-race: a thread swaps the fd between the allowed and the denied file while mmap runs
//   fixed-race: a thread maps the denied file over the range (MAP_FIXED) while mprotect runs
//   clone-vm-race: dup2-race with the mapper a CLONE_VM|CLONE_FILES child: its parent shares the
//     address space and must not keep the mapping when the mapper is killed
// Refused calls must fail with the rule's errno (EUCLEAN; EACCES for the memfd, which no rule
// allows; EPERM for personality); a race that wins must get the process killed before it could
// report it. The controls (the allowed copy, anonymous JIT memory) must map.
#include "attack.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char g_dir[2048];
static char g_denied[4096], g_ok[4096], g_hard[4096];

static int open_ro(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) setup_error("open", "%s: %s", path, errname(errno));
  return fd;
}

static void map_exec(const char *name, const char *path, int want) {
  int fd = open_ro(path);
  if (fd < 0) return;
  errno = 0;
  void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
  int err = errno;
  close(fd);
  if (want == 0) {
    if (p == MAP_FAILED) setup_error(name, "the allowed mapping failed: %s", errname(err));
    else ok(name, "mapped executable (allowed)");
    if (p != MAP_FAILED) munmap(p, 4096);
    return;
  }
  if (p != MAP_FAILED) munmap(p, 4096);
  expect_denied(name, p == MAP_FAILED ? -1 : 0, err, want);
}

static void v_mprotect(const char *name, int pkey) {
  int fd = open_ro(g_denied);
  if (fd < 0) return;
  void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (p == MAP_FAILED) return (void)setup_error(name, "PROT_READ mapping: %s", errname(errno));
  errno = 0;
  long r = pkey ? syscall(SYS_pkey_mprotect, p, 4096, PROT_READ | PROT_EXEC, -1)
                : mprotect(p, 4096, PROT_READ | PROT_EXEC);
  expect_denied(name, r, errno, EUCLEAN);
  munmap(p, 4096);
}

static void v_memfd(const char *name) {
  int fd = (int)syscall(SYS_memfd_create, "code", 0);
  if (fd < 0 || ftruncate(fd, 4096) != 0)
    return (void)setup_error(name, "memfd: %s", errname(errno));
  errno = 0;
  void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
  int err = errno;
  close(fd);
  expect_denied(name, p == MAP_FAILED ? -1 : 0, err, EACCES);
}

// An fd with no object to judge (closed): refused as a file with no name (fail closed), not
// left to the kernel's EBADF, since another thread could open a file there in between.
static void v_badfd(const char *name) {
  int fd = open_ro(g_ok);
  if (fd < 0) return;
  close(fd);
  errno = 0;
  void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
  expect_denied(name, p == MAP_FAILED ? -1 : 0, errno, EACCES);
}

static void v_personality(const char *name) {
  errno = 0;
  long r = syscall(SYS_personality, PER_LINUX | READ_IMPLIES_EXEC);
  int err = errno;
  if (r != -1) {
    // It took: a PROT_READ mapping of the denied file is now executable.
    int fd = open_ro(g_denied);
    void *p = fd >= 0 ? mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
    bypass(name, "READ_IMPLIES_EXEC set; PROT_READ mapping of the denied file: %s",
           p == MAP_FAILED ? "failed" : "made");
    syscall(SYS_personality, PER_LINUX);
    return;
  }
  if (err == EPERM) ok(name, "errno=EPERM");
  else bypass(name, "errno=%s, expected EPERM", errname(err));
}

static void v_anon(const char *name) {
  void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  void *q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED || q == MAP_FAILED || mprotect(q, 4096, PROT_READ | PROT_EXEC) != 0)
    setup_error(name, "anonymous executable memory refused: %s", errname(errno));
  else ok(name, "anonymous memory mapped and made executable (no file)");
}

// ld.so DIR/denied/prog: in a child whose stdout is a pipe read back here.
static void v_ldso(const char *name, const char *loader) {
  int p[2];
  if (pipe(p) != 0) return (void)setup_error(name, "pipe: %s", errname(errno));
  pid_t pid = fork();
  if (pid == 0) {
    dup2(p[1], 1);
    dup2(p[1], 2);
    close(p[0]);
    close(p[1]);
    char *argv[] = {(char *)loader, g_denied, "RAN", (char *)name, NULL};
    execv(loader, argv);
    _exit(99);
  }
  close(p[1]);
  char out[512] = {0};
  ssize_t n = 0, got;
  while (n < (ssize_t)sizeof out - 1 && (got = read(p[0], out + n, sizeof out - 1 - (size_t)n)) > 0)
    n += got;
  close(p[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  char *nl = strchr(out, '\n');
  if (nl) *nl = 0;
  if (strstr(out, "RAN")) bypass(name, "the denied file ran through the loader: %.80s", out);
  else if (WIFEXITED(st) && WEXITSTATUS(st) == 99) setup_error(name, "cannot exec %s", loader);
  else if (WIFEXITED(st) && WEXITSTATUS(st) != 0) ok(name, "the loader failed: %.100s", out);
  else setup_error(name, "unexpected status %#x: %.80s", st, out);
}

// --- races: in a child, so that a kill ends only it ------------------------------------------

static atomic_int g_stop;
static int g_fd_ok, g_fd_denied, g_slot;
static char *g_fixed;

static void *swap_fds(void *arg) {
  (void)arg;
  while (!atomic_load(&g_stop)) {
    dup2(g_fd_denied, g_slot);
    dup2(g_fd_ok, g_slot);
  }
  return NULL;
}

static void *swap_fixed(void *arg) {
  (void)arg;
  while (!atomic_load(&g_stop)) {
    mmap(g_fixed, 4096, PROT_READ, MAP_PRIVATE | MAP_FIXED, g_fd_denied, 0);
    mmap(g_fixed, 4096, PROT_READ, MAP_PRIVATE | MAP_FIXED, g_fd_ok, 0);
  }
  return NULL;
}

// Is the mapping at `addr` executable and backed by the denied file (by its maps line)?
static int denied_exec_at(void *addr) {
  char want[32];
  snprintf(want, sizeof want, "%lx-", (unsigned long)addr);
  FILE *f = fopen("/proc/self/maps", "re");
  if (!f) return 0;
  char line[4096];
  int hit = 0;
  while (fgets(line, sizeof line, f))
    if (strncmp(line, want, strlen(want)) == 0 && strstr(line, "/denied/") &&
        strchr(line, ' ')[3] == 'x')
      hit = 1;
  fclose(f);
  return hit;
}

enum { kRounds = 4000 };

static int race_child(int fixed) {
  g_fd_ok = open_ro(g_ok);
  g_fd_denied = open_ro(g_denied);
  g_slot = open_ro(g_ok);
  if (g_fd_ok < 0 || g_fd_denied < 0 || g_slot < 0) return 3;
  g_fixed = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, g_fd_ok, 0);
  if (g_fixed == MAP_FAILED) return 3;
  pthread_t th;
  if (pthread_create(&th, NULL, fixed ? swap_fixed : swap_fds, NULL) != 0) return 3;
  int won = 0, refused = 0, mapped = 0;
  for (int i = 0; i < kRounds && !won; i++) {
    void *at;
    if (fixed) {
      at = g_fixed;
      if (mprotect(g_fixed, 4096, PROT_READ | PROT_EXEC) != 0) {
        refused++;
        continue;
      }
    } else {
      at = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, g_slot, 0);
      if (at == MAP_FAILED) {
        refused++;
        continue;
      }
    }
    mapped++;
    won = denied_exec_at(at);
    if (fixed) mprotect(g_fixed, 4096, PROT_READ);
    else munmap(at, 4096);
  }
  atomic_store(&g_stop, 1);
  pthread_join(th, NULL);
  say(1, "%s %d refused, %d mapped\n", won ? "WON" : "LOST", refused, mapped);
  return won ? 1 : 0;
}

// The mapping caller is a CLONE_VM|CLONE_FILES child: killing it alone would leave the mapping
// to its parent, which shares the address space. The parent swaps the fd and watches the maps;
// seeing the denied file mapped executable, it waits and says WON if it is still alive.
static int vm_mapper(void *arg) {
  (void)arg;
  for (int i = 0; i < kRounds * 4 && !atomic_load(&g_stop); i++) {
    long p = syscall(SYS_mmap, 0, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, g_slot, 0);
    if (p != -1) syscall(SYS_munmap, p, 4096);
  }
  return 0;
}

static int denied_exec_anywhere(void) {
  FILE *f = fopen("/proc/self/maps", "re");
  if (!f) return 0;
  char line[4096];
  int hit = 0;
  while (fgets(line, sizeof line, f))
    if (strstr(line, "/denied/") && strchr(line, ' ')[3] == 'x') hit = 1;
  fclose(f);
  return hit;
}

static int race_vm_child(void) {
  g_fd_ok = open_ro(g_ok);
  g_fd_denied = open_ro(g_denied);
  g_slot = open_ro(g_ok);
  if (g_fd_ok < 0 || g_fd_denied < 0 || g_slot < 0) return 3;
  size_t size = 1 << 20;
  char *stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (stack == MAP_FAILED) return 3;
  pid_t mapper = clone(vm_mapper, stack + size, CLONE_VM | CLONE_FILES | SIGCHLD, NULL);
  if (mapper < 0) return 3;
  int won = 0;
  for (int i = 0; !won && waitpid(mapper, NULL, WNOHANG) == 0; i++) {
    dup2(g_fd_denied, g_slot);
    dup2(g_fd_ok, g_slot);
    if (i % 16 == 0) won = denied_exec_anywhere();
  }
  won = won || denied_exec_anywhere();  // left behind by a mapper that was killed alone
  if (won) {
    usleep(200 * 1000);  // the supervisor had time to act on the mapper's exit
    say(1, "WON: the denied file is mapped executable in the shared address space\n");
    atomic_store(&g_stop, 1);
    return 1;
  }
  say(1, "LOST: the mapper ended without the denied file mapped\n");
  return 0;
}

static void v_race(const char *name, int fixed) {
  int p[2];
  if (pipe(p) != 0) return (void)setup_error(name, "pipe: %s", errname(errno));
  pid_t pid = fork();
  if (pid == 0) {
    dup2(p[1], 1);
    close(p[0]);
    close(p[1]);
    _exit(fixed == 2 ? race_vm_child() : race_child(fixed));
  }
  close(p[1]);
  char out[256] = {0};
  ssize_t n = 0, got;
  while (n < (ssize_t)sizeof out - 1 && (got = read(p[0], out + n, sizeof out - 1 - (size_t)n)) > 0)
    n += got;
  close(p[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  char *nl = strchr(out, '\n');
  if (nl) *nl = 0;
  if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
    ok(name, "killed: the race won and the exit check caught it");
  else if (WIFEXITED(st) && WEXITSTATUS(st) == 1) bypass(name, "the denied file mapped executable: %s", out);
  else if (WIFEXITED(st) && WEXITSTATUS(st) == 0) ok(name, "never won: %s", out);
  else setup_error(name, "unexpected status %#x: %s", st, out);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    say(2, "usage: exec_map DIR LOADER\n");
    return 2;
  }
  snprintf(g_dir, sizeof g_dir, "%s", argv[1]);
  snprintf(g_denied, sizeof g_denied, "%s/denied/prog", g_dir);
  snprintf(g_ok, sizeof g_ok, "%s/ok/prog", g_dir);
  snprintf(g_hard, sizeof g_hard, "%s/ok/hard", g_dir);
  map_exec("control", g_ok, 0);
  v_anon("control-anon");
  v_ldso("ld.so", argv[2]);
  map_exec("mmap", g_denied, EUCLEAN);
  map_exec("mmap-hardlink", g_hard, EUCLEAN);
  v_memfd("mmap-memfd");
  v_badfd("mmap-badfd");
  v_mprotect("mprotect", 0);
  v_mprotect("pkey-mprotect", 1);
  v_personality("personality");
  v_race("dup2-race", 0);
  v_race("fixed-race", 1);
  v_race("clone-vm-race", 2);
  return finish();
}
