/* seccomp_only: exec CMD under a seccomp filter that allows every call, with no tracer.
 *
 *   seccomp_only -- CMD ARGS
 *
 * The floor for any seccomp-based design (xpledge's default mode, bubblewrap, systemd): the
 * cost of entering every syscall through the kernel's seccomp path.  The filter checks the
 * arch, as every real filter does, then returns SECCOMP_RET_ALLOW, so the kernel's per-arch
 * action cache (Linux 5.11+) can skip running it at all. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3 || strcmp(argv[1], "--") != 0) {
    fprintf(stderr, "usage: seccomp_only -- CMD ARGS\n");
    return 125;
  }
  struct sock_filter prog[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog fprog = {.len = sizeof prog / sizeof prog[0], .filter = prog};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) != 0) {
    perror("seccomp_only: seccomp");
    return 125;
  }
  execvp(argv[2], argv + 2);
  perror("seccomp_only: exec");
  return errno == ENOENT ? 127 : 126;
}
