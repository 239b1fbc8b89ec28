// open_how_race: the TOCTOU race on openat2's struct open_how. One thread opens a file with
// openat2 and how.flags = O_RDONLY, over and over; another flips how.flags to O_WRONLY and
// back. A supervisor that derives the access (read or write) from the struct in our memory and
// lets the kernel read it again opens the file for writing whenever the flip lands in between,
// though its path rule refuses write access. Every fd opened is checked with F_GETFL.
//
//   open_how_race DIR SECONDS   DIR holds the file "rofile", writable by us
//
// And the other way the struct changes what a path means:
//   open_how_race inroot DIR    DIR/jail/secret exists and a rule denies "/**/jail/secret";
//                               openat2(DIR/jail, "/secret", RESOLVE_IN_ROOT) opens exactly that
//                               file, though the string names "/secret"
#include "attack.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>

static struct open_how g_how;
static atomic_int g_stop;
static unsigned long long g_flips;

static void *flipper(void *arg) {
  (void)arg;
  volatile unsigned long long *flags = &g_how.flags;
  unsigned long long n = 0;
  unsigned spin = 1;
  while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
    *flags = O_WRONLY | O_CLOEXEC;
    for (volatile unsigned i = 0; i < spin; i++) {
    }
    *flags = O_RDONLY | O_CLOEXEC;
    for (volatile unsigned i = 0; i < spin; i++) {
    }
    spin = spin * 1103515245u % 4096u + 1;
    n += 2;
  }
  g_flips = n;
  return NULL;
}

static void in_root_variant(int jail, const char *name, const char *path, unsigned long long resolve) {
  struct open_how how = {.flags = O_RDONLY | O_CLOEXEC, .resolve = resolve};
  long fd = syscall(SYS_openat2, jail, path, &how, sizeof how);
  expect_denied(name, fd, errno, EUCLEAN);
  if (fd >= 0) close((int)fd);
}

static int in_root(const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/jail", dir);
  int jail = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (jail < 0) {
    setup_error("open-how-in-root", "open %s: %s", path, errname(errno));
    return finish();
  }
  in_root_variant(jail, "open-how-in-root-absolute", "/secret", RESOLVE_IN_ROOT);
  in_root_variant(jail, "open-how-in-root-dotdot", "../../../secret", RESOLVE_IN_ROOT);
  in_root_variant(jail, "open-how-relative", "secret", 0);
  close(jail);
  return finish();
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "inroot") == 0) return in_root(argv[2]);
  if (argc != 3) {
    say(2, "usage: open_how_race DIR SECONDS\n");
    return 2;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/rofile", argv[1]);
  g_how.flags = O_RDONLY | O_CLOEXEC;
  long probe = syscall(SYS_openat2, AT_FDCWD, path, &g_how, sizeof g_how);
  if (probe < 0 && errno == ENOSYS) {
    skipped("open-how-race", "openat2 is not available (ENOSYS)");
    return finish();
  }
  if (probe < 0) {
    setup_error("open-how-race", "openat2 %s O_RDONLY: %s", path, errname(errno));
    return finish();
  }
  close((int)probe);
  const double seconds = atof(argv[2]);
  pthread_t th;
  if (pthread_create(&th, NULL, flipper, NULL) != 0) {
    setup_error("open-how-race", "pthread_create failed");
    return finish();
  }
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  unsigned long long opens = 0, read_only = 0, refused = 0, writable = 0;
  int last_err = 0;
  for (;;) {
    for (int i = 0; i < 256; i++) {
      opens++;
      long fd = syscall(SYS_openat2, AT_FDCWD, path, &g_how, sizeof g_how);
      if (fd < 0) {
        refused++;
        last_err = errno;
        continue;
      }
      if ((fcntl((int)fd, F_GETFL) & O_ACCMODE) != O_RDONLY)
        writable++;
      else
        read_only++;
      close((int)fd);
    }
    clock_gettime(CLOCK_MONOTONIC, &t);
    if ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 >= seconds) break;
  }
  atomic_store(&g_stop, 1);
  pthread_join(th, NULL);
  if (writable)
    bypass("open-how-race", "opened for writing %llu times in %llu opens (%llu flips)", writable,
           opens, g_flips);
  else if (read_only == 0)
    setup_error("open-how-race", "not one read-only open worked in %llu (errno=%s)", opens,
                errname(last_err));
  else
    ok("open-how-race", "%llu opens, %llu flips: read-only %llu, refused %llu (errno=%s), writable 0",
       opens, g_flips, read_only, refused, errname(last_err));
  return finish();
}
