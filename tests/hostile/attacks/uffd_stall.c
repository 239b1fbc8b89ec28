// uffd_stall MODE [ERRNO]: a userfaultfd must not let a tracee stall the supervisor (issue 15,
// item 5), and /dev/userfaultfd must not be a way around a policy that refuses userfaultfd(2).
//
// uffd_stall dev ERRNO: userfaultfd(2) and ioctl(open("/dev/userfaultfd"), USERFAULTFD_IOC_NEW)
// (also with junk in the command's upper half) must both be refused with ERRNO.
//
// uffd_stall pledged: after xpledge("stdio"), USERFAULTFD_IOC_NEW is refused (EPERM).
//
// uffd_stall stall: with userfaultfd allowed, put the argument the supervisor must read (a path,
// a promise string) or write (the stack below the red zone, where a Landlock nesting's ruleset
// attribute goes) in a registered page nobody will ever fill, and make the call. The supervisor
// must answer it promptly, and meanwhile serve a witness: another traced process making a
// path-checked call in a loop. A supervisor that sleeps in the fault never answers either; the
// variant then resolves the fault itself (so that, in seccomp mode, the run can end) and reports
// the stall. Timing uses the vDSO clock: no system call, which in pure ptrace mode would wait
// for the stalled supervisor too.
#include "attack.h"

#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#ifndef USERFAULTFD_IOC_NEW
#define USERFAULTFD_IOC_NEW _IO(0xAA, 0x00)
#endif

enum { kSysXpledge = 10000 };
static const long kPage = 4096;

static void dev_variants(int want) {
  long r = syscall(SYS_userfaultfd, O_CLOEXEC);
  expect_denied("syscall", r, errno, want);
  int fd = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    skipped("dev-ioctl", "open(/dev/userfaultfd): %s (no device, or not root)", errname(errno));
    skipped("dev-ioctl-upper", "no /dev/userfaultfd");
    return;
  }
  r = ioctl(fd, USERFAULTFD_IOC_NEW, O_CLOEXEC);
  expect_denied("dev-ioctl", r, errno, want);
  // The kernel takes the command as a 32-bit int: junk above it is the same command.
  r = syscall(SYS_ioctl, fd, (1UL << 32) | USERFAULTFD_IOC_NEW, O_CLOEXEC);
  expect_denied("dev-ioctl-upper", r, errno, want);
}

// A pledge grants no userfaultfd: not through the device either, though stdio has ioctl. Run
// under a policy that allows userfaultfd, so that the refusal is the pledge's.
static void pledged_variant(void) {
  int fd = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    skipped("dev-pledged", "open(/dev/userfaultfd): %s (no device, or not root)", errname(errno));
    return;
  }
  int before = ioctl(fd, USERFAULTFD_IOC_NEW, O_CLOEXEC);
  if (before < 0)
    return (void)setup_error("dev-pledged", "unpledged USERFAULTFD_IOC_NEW: %s (the policy "
                             "must allow userfaultfd)", errname(errno));
  close(before);
  if (syscall(kSysXpledge, "stdio", NULL) != 0)
    return (void)setup_error("dev-pledged", "xpledge(stdio): %s", errname(errno));
  long r = ioctl(fd, USERFAULTFD_IOC_NEW, O_CLOEXEC);
  expect_denied("dev-pledged", r, errno, EPERM);
}

// --- stall ----------------------------------------------------------------------------------

struct shared {
  _Atomic long beats;    // the witness's completed path-checked calls
  _Atomic int stop;      // the witness should exit
};
static struct shared *g_shared;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);  // vDSO: no system call
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static pid_t start_witness(void) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  while (!atomic_load(&g_shared->stop)) {
    int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) close(fd);
    atomic_fetch_add(&g_shared->beats, 1);
    struct timespec ts = {0, 2 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  _exit(0);
}

// A userfaultfd with `len` bytes at `addr` registered for missing pages; -1 on failure.
static int register_range(const char *name, void *addr, size_t len) {
  int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
  if (uffd < 0) {
    setup_error(name, "userfaultfd: %s (the policy must allow it)", errname(errno));
    return -1;
  }
  struct uffdio_api api = {.api = UFFD_API};
  struct uffdio_register reg = {.range = {(uintptr_t)addr, len},
                                .mode = UFFDIO_REGISTER_MODE_MISSING};
  if (ioctl(uffd, UFFDIO_API, &api) != 0 || ioctl(uffd, UFFDIO_REGISTER, &reg) != 0) {
    setup_error(name, "UFFDIO_API/REGISTER: %s", errname(errno));
    close(uffd);
    return -1;
  }
  return uffd;
}

struct call {
  const char *name;
  long (*fn)(struct call *);
  char *page;  // where the call's argument lives (nest-stack: its stack pointer), registered
  _Atomic int started, done;
  long result;
  int err;
};

static long call_path(struct call *c) {
  return syscall(SYS_openat, AT_FDCWD, c->page, O_RDONLY | O_CLOEXEC);
}

static long call_promises(struct call *c) {
  return syscall(kSysXpledge, c->page, NULL);
}

// xpledge with the stack pointer moved into the registered range, whose pages nothing has
// touched: the nesting's ruleset attribute goes below sp - 4096, into a page nobody will fill.
static long call_nest(struct call *c) {
  long r;
  asm volatile("mov %%rsp, %%r12\n\t"
               "mov %[sp], %%rsp\n\t"
               "syscall\n\t"
               "mov %%r12, %%rsp"
               : "=a"(r)
               : "a"((long)kSysXpledge), "D"("stdio rpath"), "S"(0L), [sp] "r"(c->page)
               : "rcx", "r11", "r12", "memory");
  if (r < 0 && r > -4096) {
    errno = (int)-r;
    return -1;
  }
  return r;
}

static void *call_thread(void *arg) {
  struct call *c = arg;
  atomic_store(&c->started, 1);
  c->result = c->fn(c);
  c->err = errno;
  atomic_store(&c->done, 1);
  return NULL;
}

static void stall_variant(const char *name) {
  struct call c = {.name = name};
  char *area = mmap(NULL, 64 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (area == MAP_FAILED) return (void)setup_error(name, "mmap: %s", errname(errno));
  int uffd;
  if (strcmp(name, "nest-stack") == 0) {
    // The stack pointer at the call: 40 pages into a 48-page registered range.
    c.fn = call_nest;
    uffd = register_range(name, area, 48 * kPage);
    c.page = area + 40 * kPage;
  } else {
    c.fn = strcmp(name, "path") == 0 ? call_path : call_promises;
    c.page = area;
    uffd = register_range(name, area, kPage);
  }
  if (uffd < 0) return;
  pid_t witness = start_witness();
  if (witness < 0) return (void)setup_error(name, "fork: %s", errname(errno));
  // The witness must be running before the attack starts.
  double t0 = now();
  while (atomic_load(&g_shared->beats) < 3 && now() - t0 < 10) {}
  if (atomic_load(&g_shared->beats) < 3) return (void)setup_error(name, "the witness never ran");
  pthread_t th;
  if (pthread_create(&th, NULL, call_thread, &c) != 0)
    return (void)setup_error(name, "pthread_create failed");
  while (!atomic_load(&c.started)) {}
  const long beats0 = atomic_load(&g_shared->beats);
  t0 = now();
  while (now() - t0 < 3 && !(atomic_load(&c.done) && atomic_load(&g_shared->beats) > beats0 + 3)) {}
  const int done = atomic_load(&c.done);
  const long beats = atomic_load(&g_shared->beats) - beats0;
  if (!done) {
    // Resolve the fault so that the run can end (in seccomp mode the ioctl does not stop), then
    // report. The page gets a path that does not exist and is no promise: the call fails.
    static char fill[4096] __attribute__((aligned(4096))) = "/nonexistent/uffd-stall";
    struct uffdio_copy cp = {.dst = (uintptr_t)c.page & ~(uintptr_t)(kPage - 1),
                             .src = (uintptr_t)fill, .len = (uint64_t)kPage};
    ioctl(uffd, UFFDIO_COPY, &cp);
    bypass(name, "the call did not return within 3 s (the supervisor sleeps in the fault); "
                 "the witness made %ld checked calls meanwhile", beats);
  } else if (beats <= 3) {
    bypass(name, "the call returned (%ld, errno=%s) but the witness made only %ld checked calls "
                 "in 3 s", c.result, errname(c.err), beats);
  } else if (c.result != -1) {
    bypass(name, "the call returned %ld: its argument was never readable", c.result);
  } else {
    ok(name, "refused promptly (errno=%s); the witness made %ld checked calls meanwhile",
       errname(c.err), beats);
  }
  pthread_join(th, NULL);
  atomic_store(&g_shared->stop, 1);
  waitpid(witness, NULL, 0);
  close(uffd);
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "dev") == 0) {
    int want = errno_from(argv[2]);
    if (want < 0) return say(2, "unknown errno %s\n", argv[2]), 2;
    dev_variants(want);
    return finish();
  }
  if (argc == 2 && strcmp(argv[1], "pledged") == 0) {
    pledged_variant();
    return finish();
  }
  if (argc == 2 && strcmp(argv[1], "stall") == 0) {
    g_shared = mmap(NULL, sizeof *g_shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                    -1, 0);
    if (g_shared == MAP_FAILED) return say(2, "mmap: %s\n", errname(errno)), 2;
    static const char *names[] = {"path", "promises", "nest-stack", NULL};
    for (int i = 0; names[i]; i++) {
      atomic_store(&g_shared->beats, 0);
      atomic_store(&g_shared->stop, 0);
      stall_variant(names[i]);
    }
    return finish();
  }
  say(2, "usage: uffd_stall dev ERRNO | uffd_stall pledged | uffd_stall stall\n");
  return 2;
}
