// signal_supervisor: signal the supervisor directly: kill(SIGTERM, SIGSTOP, SIGKILL), tkill,
// tgkill (as tgid and as tid), rt_sigqueueinfo, rt_tgsigqueueinfo, pidfd_open. Every one must
// fail with EPERM whatever the policy allows (guard:signal-supervisor). If one got through, the
// supervisor would stop (the next checked call hangs: the script's timeout says so) or die
// (EXITKILL kills us too: exit 137), or forward SIGTERM back to us (exit 143).
// Then the same against every other thread of the supervisor, if it has any (tkill/tgkill).
#include "attack.h"

#include <dirent.h>
#include <signal.h>

static void expect_eperm(const char *name, long r) { expect_denied(name, r, errno, EPERM); }

int main(void) {
  const pid_t sup = getppid();
  siginfo_t info;
  memset(&info, 0, sizeof info);
  info.si_signo = SIGKILL;
  info.si_code = SI_QUEUE;  // what sigqueue(3) sends; SI_USER/SI_KERNEL would be refused anyway
  info.si_pid = getpid();
  info.si_uid = getuid();
  errno = 0; expect_eperm("kill-SIGTERM", syscall(SYS_kill, sup, SIGTERM));
  errno = 0; expect_eperm("kill-SIGSTOP", syscall(SYS_kill, sup, SIGSTOP));
  errno = 0; expect_eperm("kill-SIGKILL", syscall(SYS_kill, sup, SIGKILL));
  errno = 0; expect_eperm("tkill-SIGKILL", syscall(SYS_tkill, sup, SIGKILL));
  errno = 0; expect_eperm("tgkill-SIGKILL", syscall(SYS_tgkill, sup, sup, SIGKILL));
  errno = 0; expect_eperm("tgkill-tid-SIGKILL", syscall(SYS_tgkill, getpid(), sup, SIGKILL));
  errno = 0; expect_eperm("rt_sigqueueinfo-SIGKILL",
                          syscall(SYS_rt_sigqueueinfo, sup, SIGKILL, &info));
  errno = 0; expect_eperm("rt_tgsigqueueinfo-SIGKILL",
                          syscall(SYS_rt_tgsigqueueinfo, sup, sup, SIGKILL, &info));
  errno = 0;
  long fd = syscall(SYS_pidfd_open, sup, 0);
  int err = errno;
  if (fd >= 0) {
    syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);  // what an attacker does next
    close((int)fd);
  }
  expect_denied("pidfd_open", fd, err, EPERM);

  // Other threads of the supervisor (a logging thread, say): a SIGKILL/SIGSTOP to any thread
  // acts on the whole process.
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", (int)sup);
  DIR *d = opendir(path);
  int others = 0;
  for (struct dirent *e; d && (e = readdir(d));) {
    const long tid = strtol(e->d_name, NULL, 10);
    if (tid <= 0 || tid == sup) continue;
    others++;
    errno = 0;
    expect_eperm("tkill-supervisor-thread-SIGSTOP", syscall(SYS_tkill, tid, SIGSTOP));
    errno = 0;
    expect_eperm("tgkill-supervisor-thread-SIGSTOP", syscall(SYS_tgkill, sup, tid, SIGSTOP));
  }
  if (d) closedir(d);
  say(1, "supervisor threads besides the main one: %d\n", others);
  return finish();
}
