// landlock_wall: ways out of a path allow-list (issue 17) that a check of the path *string*
// cannot see, each aimed at DIR/out/secret from the allowed tree DIR/in, and the renames and
// links inside the tree that must keep working. Under xpledge the policy lets every string below
// through (they all name DIR/in/...); only the kernel's Landlock domain refuses the object.
//
//   landlock_wall DIR SECONDS [FD]
// DIR/in holds: file ("ok"), link -> DIR/out/secret, dirlink -> DIR/out/dir, outlink -> DIR/out,
// a/ and b/. DIR/out holds secret and dir/secret2. FD (optional): a descriptor on DIR/out/secret
// inherited from outside the sandbox, for the /proc/self/fd/N magic link.
#include "attack.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <stdio.h>
#include <time.h>

static char g_dir[2048];
static ino_t g_secret_ino, g_secret2_ino;
static dev_t g_secret_dev;

static const char *path(const char *rel) {
  static char buf[4][4096];
  static int i;
  char *p = buf[i++ % 4];
  snprintf(p, 4096, "%s/%s", g_dir, rel);
  return p;
}

// Opens `rel` for reading; "ok" if it fails, BYPASS if the fd is the forbidden file, and a
// set-up error if it opens something else (the variant did not aim where it meant to).
static void must_not_reach_flags(const char *name, const char *rel, int flags) {
  const int fd = open(path(rel), flags, 0644);
  if (fd < 0) {
    ok(name, "open %s: errno=%s", rel, strerrorname_np(errno));
    return;
  }
  struct stat st;
  fstat(fd, &st);
  if (st.st_ino == g_secret_ino || st.st_ino == g_secret2_ino)
    bypass(name, "open %s reached the forbidden file", rel);
  else
    setup_error(name, "open %s opened an unexpected file (inode %lu)", rel,
                (unsigned long)st.st_ino);
  close(fd);
}

static void must_not_reach(const char *name, const char *rel) {
  must_not_reach_flags(name, rel, O_RDONLY);
}

static atomic_int g_stop;
static unsigned long long g_flips;

// Points DIR/in/race at the allowed file and at the forbidden one in turn: one atomic
// renameat2(RENAME_EXCHANGE) of two symlinks per flip, as fast as it can.
static void *flipper(void *arg) {
  (void)arg;
  unsigned long long n = 0;
  const char *alt = path("in/race.alt"), *race = path("in/race");
  char in_file[4096], secret[4096];
  snprintf(in_file, sizeof in_file, "%s/in/file", g_dir);
  snprintf(secret, sizeof secret, "%s/out/secret", g_dir);
  unlink(alt);
  unlink(race);
  if (symlink(in_file, race) != 0 || symlink(secret, alt) != 0) return NULL;
  while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
    if (renameat2(AT_FDCWD, race, AT_FDCWD, alt, RENAME_EXCHANGE) != 0) break;
    n++;
  }
  g_flips = n;
  return NULL;
}

static void race(double seconds) {
  pthread_t th;
  if (pthread_create(&th, NULL, flipper, NULL) != 0) {
    setup_error("symlink-race", "pthread_create failed");
    return;
  }
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  unsigned long long opens = 0, allowed = 0, reached = 0;
  const char *race = path("in/race");
  for (;;) {
    const int fd = open(race, O_RDONLY);
    opens++;
    if (fd >= 0) {
      struct stat st;
      fstat(fd, &st);
      if (st.st_ino == g_secret_ino && st.st_dev == g_secret_dev) reached++;
      else allowed++;
      close(fd);
    }
    if ((opens & 255) == 0) {
      clock_gettime(CLOCK_MONOTONIC, &t);
      if ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 > seconds) break;
    }
  }
  atomic_store(&g_stop, 1);
  pthread_join(th, NULL);
  if (reached)
    bypass("symlink-race", "%llu of %llu opens reached the forbidden file (%llu flips)", reached,
           opens, g_flips);
  else if (g_flips == 0 || allowed == 0)
    setup_error("symlink-race", "the race did not run: %llu flips, %llu allowed opens", g_flips,
                allowed);
  else
    ok("symlink-race", "%llu opens, %llu of the allowed file, %llu flips, forbidden never opened",
       opens, allowed, g_flips);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    say(2, "usage: landlock_wall DIR SECONDS [FD]\n");
    return 2;
  }
  snprintf(g_dir, sizeof g_dir, "%s", argv[1]);
  struct stat st;
  if (stat(path("out/secret"), &st) != 0 || stat(path("out/dir/secret2"), &st) != 0) {
    setup_error("setup", "stat %s: %s", path("out/secret"), strerror(errno));
    return finish();
  }
  stat(path("out/secret"), &st);
  g_secret_ino = st.st_ino;
  g_secret_dev = st.st_dev;
  stat(path("out/dir/secret2"), &st);
  g_secret2_ino = st.st_ino;

  // What the allow-list allows works.
  const int fd = open(path("in/file"), O_RDONLY);
  char buf[8] = {0};
  if (fd < 0 || read(fd, buf, 2) != 2 || memcmp(buf, "ok", 2) != 0)
    setup_error("allowed", "open in/file: %s", fd < 0 ? strerrorname_np(errno) : "wrong bytes");
  else
    ok("allowed", "in/file read");
  if (fd >= 0) close(fd);

  // The forbidden file by its own name: refused by the kernel (plain read, no stop in seccomp
  // mode) or by the supervisor (flags Landlock does not judge the way the policy does).
  must_not_reach("outside", "out/secret");
  must_not_reach_flags("outside-o-path", "out/secret", O_PATH);
  must_not_reach_flags("outside-o-creat", "out/secret", O_RDONLY | O_CREAT);
  must_not_reach("symlink", "in/link");
  must_not_reach("dotdot-after-symlink", "in/dirlink/../secret");
  if (argc > 3) {
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%s", argv[3]);
    const int pfd = open(proc, O_RDONLY);
    if (pfd < 0) {
      ok("proc-fd", "open %s: errno=%s", proc, strerrorname_np(errno));
    } else {
      fstat(pfd, &st);
      if (st.st_ino == g_secret_ino) bypass("proc-fd", "open %s reached the forbidden file", proc);
      else setup_error("proc-fd", "open %s opened something else", proc);
      close(pfd);
    }
  }
  // A hard link made now, in the tree, to the forbidden file (the string names the tree twice).
  if (link(path("in/outlink/secret"), path("in/hard")) == 0)
    bypass("hard-link", "link in/outlink/secret -> in/hard worked");
  else
    ok("hard-link", "link: errno=%s", strerrorname_np(errno));
  must_not_reach("hard-link-open", "in/hard");
  // A directory from outside renamed into the tree.
  if (rename(path("in/outlink/dir"), path("in/moved")) == 0)
    bypass("rename-in", "rename in/outlink/dir -> in/moved worked");
  else
    ok("rename-in", "rename: errno=%s", strerrorname_np(errno));
  must_not_reach("rename-in-open", "in/moved/secret2");

  // Inside the tree, across directories, renames and links work as natively (REFER).
  const int nf = open(path("in/a/f"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (nf < 0) {
    setup_error("refer-inside", "create in/a/f: %s", strerrorname_np(errno));
  } else {
    close(nf);
    if (rename(path("in/a/f"), path("in/b/f")) != 0)
      setup_error("refer-inside", "rename in/a/f -> in/b/f: %s", strerrorname_np(errno));
    else if (link(path("in/b/f"), path("in/a/g")) != 0)
      setup_error("refer-inside", "link in/b/f -> in/a/g: %s", strerrorname_np(errno));
    else
      ok("refer-inside", "rename and link across directories inside the tree work");
  }

  race(atof(argv[2]));
  return finish();
}
