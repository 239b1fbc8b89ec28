// path_futimens DIR: utimensat with a NULL path (futimens(3)) acts on its dirfd's file
// (attack review of issue 17). DIR/secret/** is denied to utimensat (EUCLEAN):
//   honest       futimens on a descriptor of DIR/pub/f works (it was refused as an unreadable
//                path: `touch NEWFILE` failed under any path rule on utimensat)
//   null-secret  futimens on a descriptor of DIR/secret/f is refused: the rule holds against
//                the descriptor's file
//   empty-secret utimensat(fd, "", AT_EMPTY_PATH) on it likewise
//   futimesat    futimesat(AT_FDCWD, DIR/secret/f) where only utimes has the rule (its form
//                with a dirfd: one family), and futimesat(fd, NULL) on the secret's descriptor
//   fchmodat2    fchmodat2 (Linux 6.6, glibc 2.39's lchmod) where only fchmodat has the rule:
//                it had no path signature, so no rule could name it and fchmodat's did not hold
#include "attack.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static const struct timespec kEpoch[2] = {{1000000, 0}, {1000000, 0}};

static const struct timeval kEpochUs[2] = {{1000000, 0}, {1000000, 0}};

static void expect_refused_call(const char *name, long r) {
  if (r == 0)
    bypass(name, "the secret's times or mode were set");
  else if (errno == EUCLEAN)
    ok(name, "errno=EUCLEAN");
  else
    setup_error(name, "errno=%s, not our EUCLEAN", errname(errno));
}

static void expect_refused(const char *name, int fd, const char *path, int flags) {
  errno = 0;
  expect_refused_call(name, syscall(SYS_utimensat, fd, path, kEpoch, flags));
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  char pub[1024], secret[1024];
  snprintf(pub, sizeof pub, "%s/pub/f", argv[1]);
  snprintf(secret, sizeof secret, "%s/secret/f", argv[1]);
  int fd = open(pub, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return 2;
  struct stat st;
  if (futimens(fd, kEpoch) != 0)
    setup_error("honest", "futimens: %s (an honest call refused)", errname(errno));
  else if (fstat(fd, &st) != 0 || st.st_mtime != kEpoch[1].tv_sec)
    setup_error("honest", "futimens returned 0 but mtime is %lld", (long long)st.st_mtime);
  else
    ok("honest", "futimens set the times");
  close(fd);
  fd = open(secret, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 2;
  expect_refused("null-secret", fd, NULL, 0);
  expect_refused("empty-secret", fd, "", AT_EMPTY_PATH);
  errno = 0;
  expect_refused_call("futimesat", syscall(SYS_futimesat, AT_FDCWD, secret, kEpochUs));
  errno = 0;
  expect_refused_call("futimesat-null", syscall(SYS_futimesat, fd, NULL, kEpochUs));
  errno = 0;
  const long r = syscall(452 /* fchmodat2 */, AT_FDCWD, secret, 0600, 0);
  if (r != 0 && errno == ENOSYS)
    say(1, "SKIP fchmodat2: not in this kernel (Linux 6.6+)\n");
  else
    expect_refused_call("fchmodat2", r);
  return finish();
}
