// scratch_swap DIR: replace the read-only path scratch area (docs/SECURITY.md, "Path-argument
// races") with memory the program owns, holding a denied path, then make an allowed
// path-checked call: the supervisor points it at the area, so if the area is ours the kernel
// opens the denied file. One thread is enough: no race. DIR holds "allowed" (content "allowed")
// and "forbiddn" (content "secret"), which the policy denies.
//
// Variants (each in its own forked process, after one allowed open attached the area):
//   munmap, mmap-fixed, shmat-remap, shmdt, mremap-away, mremap-onto: the swap itself must be
//     refused (EPERM, guard:path-scratch);
//   dontfork: madvise(MADV_DONTFORK) on the area (allowed: it changes nothing here), fork, and in
//     the child a plain mmap with the area's address as a hint: the child must not open the
//     denied file (it may open the allowed one or be refused, never read "secret").
#include "attack.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>

// supervisor/scratch.hpp
#define SCRATCH_ADDR 0x7d000000UL
#define SCRATCH_SIZE (4096UL * 8192UL + (2UL << 20))

static const char *g_dir;
static char g_allowed[4096], g_forbidden[4096];

// Reads the file the supervisor lets `open(g_allowed)` reach: its content, or "errno=E".
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

// Writes the denied path at the start of every page of the area (each slot holds two paths).
static void fill(char *area) {
  for (size_t off = 0; off < SCRATCH_SIZE; off += 4096) strcpy(area + off, g_forbidden);
}

// After a swap that worked: does the allowed open now reach the denied file?
static void judge(const char *name, const char *how) {
  char got[256];
  open_allowed(got, sizeof got);
  if (strcmp(got, "secret") == 0)
    bypass(name, "%s, then open(allowed) read the denied file", how);
  else
    ok(name, "%s, but open(allowed) got '%s'", how, got);
}

static void swap_with_anon(const char *name, const char *how, int fixed) {
  void *p = mmap((void *)SCRATCH_ADDR, SCRATCH_SIZE, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | (fixed ? MAP_FIXED : 0), -1, 0);
  if (p != (void *)SCRATCH_ADDR) {
    ok(name, "%s, and no writable memory at the area (%s)", how,
       p == MAP_FAILED ? errname(errno) : "placed elsewhere");
    return;
  }
  fill(p);
  judge(name, how);
}

static void variant(const char *name) {
  char got[256];
  open_allowed(got, sizeof got);  // attaches the area in this image (or verifies it after fork)
  if (strcmp(got, "allowed") != 0) {
    setup_error(name, "the first open(allowed) got '%s'", got);
    return;
  }
  void *area = (void *)SCRATCH_ADDR;
  if (strcmp(name, "munmap") == 0) {
    if (munmap(area, SCRATCH_SIZE) != 0) return expect_denied(name, -1, errno, EPERM);
    swap_with_anon(name, "munmap worked", 0);
  } else if (strcmp(name, "mmap-fixed") == 0) {
    swap_with_anon(name, "mmap(MAP_FIXED) over the area", 1);
  } else if (strcmp(name, "shmat-remap") == 0) {
    int id = shmget(IPC_PRIVATE, SCRATCH_SIZE, IPC_CREAT | 0600);
    if (id < 0) return setup_error(name, "shmget: %s", errname(errno));
    void *p = shmat(id, area, SHM_REMAP);
    int err = errno;
    shmctl(id, IPC_RMID, NULL);
    if (p == (void *)-1) return expect_denied(name, -1, err, EPERM);
    fill(p);
    judge(name, "shmat(SHM_REMAP) of a writable segment worked");
  } else if (strcmp(name, "shmdt") == 0) {
    if (shmdt(area) != 0) return expect_denied(name, -1, errno, EPERM);
    swap_with_anon(name, "shmdt worked", 0);
  } else if (strcmp(name, "mremap-away") == 0) {
    void *p = mremap(area, SCRATCH_SIZE, SCRATCH_SIZE, MREMAP_MAYMOVE);
    if (p == MAP_FAILED) return expect_denied(name, -1, errno, EPERM);
    swap_with_anon(name, "mremap moved the area away", 0);
  } else if (strcmp(name, "mremap-onto") == 0) {
    char *mine = mmap(NULL, SCRATCH_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                      -1, 0);
    if (mine == MAP_FAILED) return setup_error(name, "mmap: %s", errname(errno));
    fill(mine);
    void *p = mremap(mine, SCRATCH_SIZE, SCRATCH_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, area);
    if (p == MAP_FAILED) return expect_denied(name, -1, errno, EPERM);
    judge(name, "mremap(MREMAP_FIXED) moved writable memory onto the area");
  } else if (strcmp(name, "dontfork") == 0) {
    if (madvise(area, SCRATCH_SIZE, MADV_DONTFORK) != 0) {
      ok(name, "madvise(MADV_DONTFORK) refused: %s", errname(errno));
      return;
    }
    pid_t pid = fork();
    if (pid < 0) return setup_error(name, "fork: %s", errname(errno));
    if (pid == 0) {
      swap_with_anon(name, "madvise(MADV_DONTFORK) and fork", 0);
      _exit(g_bypass ? 1 : g_setup_error ? 2 : 0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st)) return setup_error(name, "the child died: status %#x", st);
    if (WEXITSTATUS(st) == 1) g_bypass = 1;
    if (WEXITSTATUS(st) == 2) g_setup_error = 1;
  } else {
    setup_error(name, "unknown variant");
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    say(2, "usage: scratch_swap DIR [VARIANT...]\n");
    return 2;
  }
  g_dir = argv[1];
  snprintf(g_allowed, sizeof g_allowed, "%s/allowed", g_dir);
  snprintf(g_forbidden, sizeof g_forbidden, "%s/forbiddn", g_dir);
  static const char *all[] = {"munmap", "shmdt", "mmap-fixed", "shmat-remap", "mremap-away",
                              "mremap-onto", "dontfork", NULL};
  const char **names = argc > 2 ? (const char **)argv + 2 : all;
  return run_variants(names, variant);
}
