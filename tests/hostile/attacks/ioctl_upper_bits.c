// ioctl_upper_bits: the ioctl command is a 32-bit int; the kernel ignores the upper half of the
// register, which the caller controls (CVE-2019-10063: flatpak's TIOCSTI filter compared all 64
// bits). TIOCSTI and TIOCLINUX, with and without junk above bit 31, must be denied with the
// errno given (argv[1]); ioctls the policy allows must reach the kernel (ENOTTY on /dev/null),
// which the test script counts: in the seccomp mode they must not even stop.
//
//   ioctl_upper_bits ERRNO ALLOWED_REPEATS     (ERRNO: a name such as EUCLEAN, or a number)
#include "attack.h"  // first: it defines _GNU_SOURCE

#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <termios.h>

static void denied(const char *name, int fd, uint64_t cmd, int want) {
  char c = 'x';
  errno = 0;
  long r = syscall(SYS_ioctl, fd, cmd, &c);
  if (r == -1 && errno == want)
    ok(name, "cmd=%#llx errno=%d", (unsigned long long)cmd, errno);
  else
    bypass(name, "cmd=%#llx reached the kernel: ret=%ld errno=%d", (unsigned long long)cmd, r,
           errno);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    say(2, "usage: ioctl_upper_bits ERRNO ALLOWED_REPEATS\n");
    return 2;
  }
  const int want = errno_from(argv[1]);
  const int repeats = atoi(argv[2]);
  const int fd = open("/dev/null", O_RDONLY);
  if (fd < 0) {
    setup_error("open", "/dev/null: errno=%d", errno);
    return finish();
  }
  denied("TIOCSTI", fd, TIOCSTI, want);
  denied("TIOCSTI-upper", fd, (UINT64_C(0xdeadbeef) << 32) | TIOCSTI, want);
  denied("TIOCLINUX-upper", fd, (UINT64_C(1) << 32) | TIOCLINUX, want);
  denied("TIOCSTI-top-bit", fd, (UINT64_C(1) << 63) | TIOCSTI, want);
  // Allowed calls, plain and with junk above the command: the kernel answers them.
  struct termios t;
  int reached = 0;
  for (int i = 0; i < repeats; ++i) {
    const uint64_t cmd = (i % 2 ? (UINT64_C(0x5a5a) << 32) : 0) | TCGETS;
    errno = 0;
    if (syscall(SYS_ioctl, fd, cmd, &t) == -1 && errno == ENOTTY) ++reached;
  }
  if (reached == repeats)
    ok("TCGETS-allowed", "%d calls reached the kernel (ENOTTY)", reached);
  else
    setup_error("TCGETS-allowed", "only %d of %d allowed calls reached the kernel", reached,
                repeats);
  return finish();
}
