// nosys_openat2 PROG ARGS...: run PROG under a seccomp filter that answers openat2 with ENOSYS,
// as an old container profile or a systemd SystemCallFilter= that predates openat2 (Linux
// 5.6) does. Not an attack itself: the place xpledge is started from (test_inherited_filter).
// Exits 125 if the filter cannot be installed, 127 if PROG cannot be run.
#include "attack.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  struct sock_filter insn[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
  struct sock_fprog prog = {sizeof insn / sizeof *insn, insn};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
    say(2, "nosys_openat2: seccomp: %s\n", strerror(errno));
    return 125;
  }
  execvp(argv[1], argv + 1);
  say(2, "nosys_openat2: %s: %s\n", argv[1], strerror(errno));
  return 127;
}
