// hostile_args ERRNO: arguments meant to crash or confuse the supervisor's reading of tracee
// memory. The policy denies openat and execve of /forbidden/** and getppid, with ERRNO; a path it
// cannot read must fail closed (denied with ERRNO, logged), never crash it or be let through:
//   openat with the pointer 1, with an unmapped page, with a string that runs into an unmapped
//   page without a NUL, with a 1 MiB string; execve with an unterminated path and garbage
//   argv/envp; SYS_xpledge (10000) with garbage, unterminated and 1 MiB promise strings (EFAULT,
//   EINVAL, EINVAL: its own errnos); getppid with junk in the upper 32 bits of the number (the
//   kernel uses the low 32 bits, so it is getppid and must be denied).
#include "attack.h"

#include <sys/mman.h>

static void expect_errno(const char *name, long r, int err, int want) {
  expect_denied(name, r, err, want);
}

int main(int argc, char **argv) {
  int want = argc == 2 ? errno_from(argv[1]) : -1;
  if (want <= 0) {
    say(2, "usage: hostile_args ERRNO\n");
    return 2;
  }
  // Two pages; the second is unmapped, the first is all 'a' with no NUL.
  char *page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED || munmap(page + 4096, 4096) != 0) return 2;
  memset(page, 'a', 4096);
  char *unmapped = page + 4096;
  const size_t big_len = 1 << 20;
  char *big = malloc(big_len);
  if (!big) return 2;
  memset(big, 'b', big_len - 1);
  big[0] = '/';
  big[big_len - 1] = 0;
  long r;

  errno = 0; r = syscall(SYS_openat, AT_FDCWD, (char *)1, O_RDONLY);
  expect_errno("openat-pointer-1", r, errno, want);
  errno = 0; r = syscall(SYS_openat, AT_FDCWD, unmapped, O_RDONLY);
  expect_errno("openat-unmapped", r, errno, want);
  errno = 0; r = syscall(SYS_openat, AT_FDCWD, page, O_RDONLY);
  expect_errno("openat-unterminated", r, errno, want);
  errno = 0; r = syscall(SYS_openat, AT_FDCWD, big, O_RDONLY);
  expect_errno("openat-1MiB", r, errno, want);
  errno = 0; r = syscall(SYS_openat, AT_FDCWD, (char *)-4096L, O_RDONLY);
  expect_errno("openat-kernel-address", r, errno, want);
  errno = 0; r = syscall(SYS_execve, page, (char **)1, (char **)2);
  expect_errno("execve-unterminated", r, errno, want);

  errno = 0; r = syscall(10000, (char *)1, (char *)-1L);
  expect_errno("xpledge-garbage-pointers", r, errno, EFAULT);
  errno = 0; r = syscall(10000, page, NULL);
  expect_errno("xpledge-unterminated", r, errno, EINVAL);
  errno = 0; r = syscall(10000, big, NULL);
  expect_errno("xpledge-1MiB", r, errno, EINVAL);
  errno = 0; r = syscall(10000, "stdio", unmapped);
  expect_errno("xpledge-unmapped-execpromises", r, errno, EFAULT);

  errno = 0; r = syscall((1L << 32) | SYS_getppid);
  expect_errno("getppid-upper-bits", r, errno, want);
  errno = 0; r = syscall((long)(0xdeadbeefUL << 32) | SYS_getppid);
  expect_errno("getppid-junk-upper-bits", r, errno, want);
  return finish();
}
