// rpath_flags FILE DIR WANT [PROMISES]: opens whose flags are not rpath's read class, where
// a promise grants reads by class and the seccomp pre-filter or pledge filter decides them in the
// kernel without a stop. With PROMISES, xpledge(PROMISES) (raw SYS 10000) runs first. Every
// variant must fail with errno WANT (a name such as EUCLEAN) and leave FILE (5 bytes) whole and
// DIR without "new":
//   trunc-hi      openat(FILE, O_RDONLY|O_TRUNC) with bit 32 set (the kernel reads an int)
//   wronly-hi     openat(FILE, O_WRONLY) with bit 32 set
//   trunc-extra   openat(FILE, O_RDONLY|O_TRUNC|O_SYNC|O_NOFOLLOW|O_CLOEXEC|O_NONBLOCK)
//   open-trunc    open(FILE, O_RDONLY|O_TRUNC)
//   mode3-trunc   open(FILE, 3|O_TRUNC): access mode 3 opens for neither, but truncates
//   creat         creat(FILE): no flags register at all
//   creat-rdonly  open(DIR/new, O_CREAT|O_RDONLY): creates
//   tmpfile       open(DIR, O_TMPFILE|O_RDWR)
//   i386-trunc    open(FILE, O_RDONLY|O_TRUNC) through int $0x80 (the path below 4 GiB)
//   thread        another thread's openat(FILE, O_WRONLY|O_TRUNC)
//   vfork, fork   a vfork child's and a fork child's open(FILE, O_RDONLY|O_TRUNC)
// A read-only open must work first (`read`), or the refusals prove nothing.
#include "attack.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static const char *g_file, *g_new;
static int g_want;

static long int80(long nr, long a, long b, long c) {
  long r;
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
  return r;
}

// The call's result judged: refused with g_want, and nothing written or made.
static void judge(const char *name, long r, int err) {
  if (r >= 0) close((int)r);
  struct stat st;
  if (stat(g_file, &st) != 0 || st.st_size != 5) {
    bypass(name, "the file was truncated or removed (size %ld)", (long)st.st_size);
    return;
  }
  if (access(g_new, F_OK) == 0) {
    bypass(name, "%s was created", g_new);
    unlink(g_new);
    return;
  }
  expect_denied(name, r, err, g_want);
}

static long raw(long nr, long a, long b, long c, long d) { return syscall(nr, a, b, c, d); }

static void *thread_open(void *arg) {
  long *r = arg;
  r[0] = raw(SYS_openat, AT_FDCWD, (long)g_file, O_WRONLY | O_TRUNC, 0);
  r[1] = errno;
  return NULL;
}

// A child's open(FILE, O_RDONLY|O_TRUNC): its errno is the exit status (0: it opened).
static void child_open(const char *name, int use_vfork) {
  const pid_t pid = use_vfork ? vfork() : fork();
  if (pid == 0) {
    const long r = raw(SYS_open, (long)g_file, O_RDONLY | O_TRUNC, 0, 0);
    _exit(r >= 0 ? 0 : errno);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
    setup_error(name, "child failed: %s", strerror(errno));
    return;
  }
  const int e = WEXITSTATUS(status);
  judge(name, e ? -1 : 0x7fffffff, e);  // 0x7fffffff: not an fd of ours to close
}

int main(int argc, char **argv) {
  if (argc < 4) return 2;
  g_file = argv[1];
  g_want = errno_from(argv[3]);
  static char new_path[4096];
  snprintf(new_path, sizeof new_path, "%s/new", argv[2]);
  g_new = new_path;
  char *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
                   -1, 0);
  if (low == MAP_FAILED || strlen(g_file) >= 4096) return 2;
  strcpy(low, g_file);
  if (argc > 4 && syscall(10000, argv[4], NULL) != 0) {
    setup_error("pledge", "xpledge(%s): %s", argv[4], errname(errno));
    return finish();
  }
  const long rd = raw(SYS_openat, AT_FDCWD, (long)g_file, O_RDONLY, 0);
  if (rd < 0) {
    setup_error("read", "a read-only open failed: %s", errname(errno));
    return finish();
  }
  close((int)rd);
  ok("read", "a read-only open works");
  const long hi = 1L << 32;
  long r;
  r = raw(SYS_openat, AT_FDCWD, (long)g_file, hi | O_RDONLY | O_TRUNC, 0);
  judge("trunc-hi", r, errno);
  r = raw(SYS_openat, AT_FDCWD, (long)g_file, hi | O_WRONLY, 0);
  judge("wronly-hi", r, errno);
  r = raw(SYS_openat, AT_FDCWD, (long)g_file,
          O_RDONLY | O_TRUNC | O_SYNC | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0);
  judge("trunc-extra", r, errno);
  r = raw(SYS_open, (long)g_file, O_RDONLY | O_TRUNC, 0, 0);
  judge("open-trunc", r, errno);
  r = raw(SYS_open, (long)g_file, 3 | O_TRUNC, 0, 0);
  judge("mode3-trunc", r, errno);
  r = raw(SYS_creat, (long)g_file, 0644, 0, 0);
  judge("creat", r, errno);
  r = raw(SYS_open, (long)g_new, O_CREAT | O_RDONLY, 0644, 0);
  judge("creat-rdonly", r, errno);
  r = raw(SYS_open, (long)argv[2], O_TMPFILE | O_RDWR, 0600, 0);
  judge("tmpfile", r, errno);
  r = int80(5, (long)low, O_RDONLY | O_TRUNC, 0);  // i386 open
  judge("i386-trunc", r < 0 && r > -4096 ? -1 : r, r < 0 && r > -4096 ? (int)-r : 0);
  long tr[2] = {0, 0};
  pthread_t th;
  if (pthread_create(&th, NULL, thread_open, tr) != 0 || pthread_join(th, NULL) != 0)
    setup_error("thread", "pthread: %s", strerror(errno));
  else
    judge("thread", tr[0], (int)tr[1]);
  child_open("vfork", 1);
  child_open("fork", 0);
  return finish();
}
