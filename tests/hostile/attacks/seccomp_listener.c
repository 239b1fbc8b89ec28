// seccomp_listener: install a seccomp filter with SECCOMP_FILTER_FLAG_NEW_LISTENER. A
// user-notification filter outranks the supervisor's SECCOMP_RET_TRACE: its listener could
// answer "continue" (SECCOMP_USER_NOTIF_FLAG_CONTINUE) for calls the policy denies. Must fail
// with EPERM (also with TSYNC). A filter without a listener must still install (programs sandbox
// themselves that way): that part checks we do not over-deny.
#include "attack.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>

int main(void) {
  // Notify on getppid, allow everything else.
  struct sock_filter insns[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {sizeof insns / sizeof insns[0], insns};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    setup_error("no_new_privs", "%s", errname(errno));
    return finish();
  }
  errno = 0;
  long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
  int err = errno;
  if (r >= 0) close((int)r);
  expect_denied("seccomp-new-listener", r, err, EPERM);
  errno = 0;
  r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
              SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_TSYNC, &prog);
  err = errno;
  if (r >= 0) close((int)r);
  expect_denied("seccomp-new-listener-tsync", r, err, EPERM);

  struct sock_filter allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
  struct sock_fprog allow_prog = {1, allow};
  errno = 0;
  r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &allow_prog);
  if (r == 0)
    say(1, "plain filter installed\n");
  else
    setup_error("plain-filter", "a filter without a listener was refused: %s", errname(errno));
  return finish();
}
