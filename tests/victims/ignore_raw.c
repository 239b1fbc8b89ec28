// ignore_raw N[,N...] CMD [ARG...]: set signals N to SIG_IGN with the raw rt_sigaction syscall
// (glibc's sigaction() refuses its own two, 32 and 33, which a caller may still have ignored),
// then exec CMD: a caller whose ignored signals CMD inherits, whatever their number.
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

struct kernel_sigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)(void);
  uint64_t mask;
};

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: ignore_raw N[,N...] CMD [ARG...]\n");
    return 2;
  }
  for (char *p = argv[1]; *p;) {
    char *end;
    const long sig = strtol(p, &end, 10);
    struct kernel_sigaction ign = {SIG_IGN, 0, 0, 0};
    if (end == p || syscall(SYS_rt_sigaction, (int)sig, &ign, NULL, sizeof ign.mask) != 0) {
      perror("rt_sigaction");
      return 2;
    }
    p = *end == ',' ? end + 1 : end;
  }
  execvp(argv[2], argv + 2);
  perror(argv[2]);
  return 127;
}
