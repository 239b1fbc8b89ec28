// uring_sqpoll DIR MODE VARIANT: an io_uring made before the process narrows itself keeps
// working without a system call when it has a kernel submission thread (IORING_SETUP_SQPOLL):
// the program writes an IORING_OP_OPENAT entry into ring memory and the SQ thread opens DIR/hidden
// (a file holding "secret"), whatever the supervisor's table says. DIR/open is what is unveiled.
// MODE: `native` (no narrowing: the ring must open the file, or the kernel cannot run the attack
// and the test skips), `unveil` (SYS_xunveil(DIR/open, "r") after the ring exists), `pledge`
// (SYS_xpledge("stdio") after it).
// VARIANT, how the ring is held when the process narrows itself:
//   fd      its descriptor and its mapping
//   mapped  only its mapping (the descriptor closed: the mapping keeps the ring alive)
//   nommap  neither: the rings live in the program's own memory (IORING_SETUP_NO_MMAP) and the
//           ring is registered with the task (IORING_REGISTER_RING_FDS) before its descriptor is
//           closed; only the SQ thread shows it
//   closed  a ring without SQPOLL, closed and unmapped before: narrowing must work
// The narrowing call must fail with EBUSY (ok); narrowing with the ring held is a BYPASS, which
// says whether the ring then opened the file (natively it does within milliseconds). `closed` must narrow (else ERROR: a refusal with nothing to refuse).
#include "attack.h"

#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#define __NR_io_uring_enter 426
#define __NR_io_uring_register 427
#endif
// Linux 6.5 names resv2 of both offset structs user_addr (older headers here).
#ifndef IORING_SETUP_NO_MMAP
#define IORING_SETUP_NO_MMAP (1U << 14)
#endif
#ifndef IORING_REGISTER_RING_FDS
#define IORING_REGISTER_RING_FDS 20
#endif

struct ring {
  int fd;
  unsigned char *rings;  // SQ and CQ ring (one region: IORING_FEAT_SINGLE_MMAP or NO_MMAP)
  struct io_uring_sqe *sqes;
  struct io_uring_params p;
};

static char g_hidden[4096];

// An SQPOLL ring (or a plain one when !sqpoll) with 4 entries; -errno on failure.
static int make_ring(struct ring *r, int sqpoll, int nommap) {
  memset(r, 0, sizeof *r);
  r->p.flags = sqpoll ? IORING_SETUP_SQPOLL : 0;
  r->p.sq_thread_idle = 60000;  // ms: the thread must not fall asleep (waking it is a syscall)
  if (nommap) {
    r->rings = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    r->sqes = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r->rings == MAP_FAILED || r->sqes == MAP_FAILED) return -errno;
    memset(r->rings, 0, 4 * 4096);  // the kernel pins pages: touch them first
    memset(r->sqes, 0, 4096);
    r->p.flags |= IORING_SETUP_NO_MMAP;
    r->p.cq_off.resv2 = (uint64_t)(uintptr_t)r->rings;
    r->p.sq_off.resv2 = (uint64_t)(uintptr_t)r->sqes;
  }
  r->fd = (int)syscall(__NR_io_uring_setup, 4, &r->p);
  if (r->fd < 0) return -errno;
  if (nommap) return 0;
  size_t sq = r->p.sq_off.array + r->p.sq_entries * sizeof(unsigned);
  size_t cq = r->p.cq_off.cqes + r->p.cq_entries * sizeof(struct io_uring_cqe);
  if (!(r->p.features & IORING_FEAT_SINGLE_MMAP)) return -ENOTSUP;
  r->rings = mmap(NULL, sq > cq ? sq : cq, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
                  r->fd, IORING_OFF_SQ_RING);
  r->sqes = mmap(NULL, r->p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
  if (r->rings == MAP_FAILED || r->sqes == MAP_FAILED) return -errno;
  return 0;
}

#define AT(r, off) ((unsigned *)((r)->rings + (off)))

// Queues one entry (IORING_OP_OPENAT of `path`, or a NOP) by memory writes only.
static void ring_push(struct ring *r, int opcode, const char *path) {
  const unsigned mask = *AT(r, r->p.sq_off.ring_mask);
  const unsigned tail = *AT(r, r->p.sq_off.tail);
  struct io_uring_sqe *sqe = &r->sqes[tail & mask];
  memset(sqe, 0, sizeof *sqe);
  sqe->opcode = (unsigned char)opcode;
  sqe->fd = opcode == IORING_OP_OPENAT ? AT_FDCWD : -1;
  sqe->addr = (uint64_t)(uintptr_t)path;
  sqe->open_flags = O_RDONLY;
  sqe->user_data = 42;
  AT(r, r->p.sq_off.array)[tail & mask] = tail & mask;
  __atomic_store_n(AT(r, r->p.sq_off.tail), tail + 1, __ATOMIC_RELEASE);
}

// The next completion's result, or -ETIME if none came within `ms` milliseconds.
static int ring_wait(struct ring *r, int ms) {
  const unsigned cmask = *AT(r, r->p.cq_off.ring_mask);
  for (int i = 0; i < ms; i++) {
    const unsigned head = *AT(r, r->p.cq_off.head);
    if (__atomic_load_n(AT(r, r->p.cq_off.tail), __ATOMIC_ACQUIRE) != head) {
      struct io_uring_cqe *cqes = (struct io_uring_cqe *)(r->rings + r->p.cq_off.cqes);
      const int res = cqes[head & cmask].res;
      __atomic_store_n(AT(r, r->p.cq_off.head), head + 1, __ATOMIC_RELEASE);
      return res;
    }
    struct timespec ts = {0, 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  return -ETIME;
}

// The SQ thread may go to sleep at once if it finds nothing on its first pass (its idle time
// counts from its first work); waking it is a system call. Before narrowing, a NOP through the
// ring (and a wake-up if needed) keeps it polling for sq_thread_idle: afterwards the attack
// needs no call at all. 0 or -errno.
static int prime(struct ring *r) {
  ring_push(r, IORING_OP_NOP, NULL);
  int res = ring_wait(r, 100);
  if (res == -ETIME) {
    syscall(__NR_io_uring_enter, r->fd, 0, 0, IORING_ENTER_SQ_WAKEUP, NULL, 0);
    res = ring_wait(r, 2000);
  }
  return res;
}

// After a narrowing that should have been refused: what the ring reaches now.
static void try_open(const char *name, struct ring *r) {
  ring_push(r, IORING_OP_OPENAT, g_hidden);
  const int fd = ring_wait(r, 2000);
  char buf[16] = {0};
  if (fd >= 0 && read(fd, buf, sizeof buf - 1) > 0)
    bypass(name, "the ring opened the hidden file and read '%.6s'", buf);
  else if (fd >= 0)
    bypass(name, "the ring opened the hidden file (fd %d)", fd);
  else
    bypass(name, "narrowed while holding the ring (its open, this time: %s)", errname(-fd));
}

// Holds the ring as VARIANT says before narrowing; 0 or -1 (set-up error reported).
static int hold(const char *variant, struct ring *r) {
  const int nommap = strcmp(variant, "nommap") == 0;
  const int err = make_ring(r, strcmp(variant, "closed") != 0, nommap);
  if (err) {
    setup_error(variant, "io_uring_setup/mmap: %s", errname(-err));
    return -1;
  }
  const int primed = strcmp(variant, "closed") == 0 ? 0 : prime(r);
  if (primed != 0) {
    setup_error(variant, "the SQ thread took no NOP: %s", errname(-primed));
    return -1;
  }
  if (nommap) {
    struct io_uring_rsrc_update up = {.offset = -1U, .data = (uint64_t)r->fd};
    if (syscall(__NR_io_uring_register, r->fd, IORING_REGISTER_RING_FDS, &up, 1) != 1) {
      setup_error(variant, "IORING_REGISTER_RING_FDS: %s", errname(errno));
      return -1;
    }
  }
  if (strcmp(variant, "fd") != 0) close(r->fd);
  if (strcmp(variant, "closed") == 0) {
    munmap(r->rings, 4096);
    munmap(r->sqes, 4096);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    setup_error("usage", "uring_sqpoll DIR native|unveil|pledge VARIANT");
    return finish();
  }
  const char *mode = argv[2], *variant = argv[3];
  snprintf(g_hidden, sizeof g_hidden, "%s/hidden", argv[1]);
  char open_dir[4096];
  snprintf(open_dir, sizeof open_dir, "%s/open", argv[1]);
  struct ring r;
  if (hold(variant, &r) != 0) return finish();
  if (strcmp(mode, "native") == 0) {
    ring_push(&r, IORING_OP_OPENAT, g_hidden);
    const int fd = ring_wait(&r, 2000);
    if (fd >= 0) ok(variant, "natively the SQ thread opened the file (fd %d)", fd);
    else skipped(variant, "natively the ring's open failed: %s", errname(-fd));
    return finish();
  }
  long n;
  if (strcmp(mode, "unveil") == 0) n = syscall(10001, open_dir, "r");
  else n = syscall(10000, "stdio", NULL);
  const int err = errno;
  if (strcmp(variant, "closed") == 0) {
    if (n == 0) ok(variant, "narrowed with no ring left");
    else setup_error(variant, "narrowing refused with no ring left: %s", errname(err));
    return finish();
  }
  if (n != 0 && err == EBUSY) ok(variant, "narrowing refused: EBUSY");
  else if (n != 0) setup_error(variant, "narrowing failed: %s, not EBUSY", errname(err));
  else try_open(variant, &r);  // narrowed while a ring is held: a bypass whatever the ring does
  return finish();
}
