// tty_jobctl: the terminal's job control reaches the supervisor without any signal call. The
// tracee shares the supervisor's process group, the terminal's foreground group. It sets
// TOSTOP on the terminal, moves a child into a group of its own (allowed: not the supervisor's)
// and makes that group the foreground one (TIOCSPGRP: an ioctl, no guard). The supervisor's
// group is now in the background; its next log line on the terminal (a denied getppid) makes
// the kernel send SIGTTOU to its group: the supervisor stops (it keeps SIGTTOU's default action
// for ^Z-like job control). No tracee sent a signal: Landlock's signal scope, the kill(0) guard
// and the setpgid guard never see it.
//
// The child watches the supervisor (our parent) for 2 s: state T is a BYPASS (the supervisor
// stopped by the tracee); it then gives the terminal back and clears TOSTOP. In pure ptrace mode
// the child's own calls wait for the stopped supervisor, so it may not see the stop: the runner
// (pty_job.py, the job's parent) records every stop of the supervisor and judges by that.
//
//   tty_jobctl        (needs fd 2 to be the controlling terminal, in the foreground group)
#include "attack.h"

#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>

int main(void) {
  const char *name = "tty-background-sigttou";
  if (!isatty(2)) {
    skipped(name, "stderr is not a terminal");
    return 0;
  }
  // The supervisor is our parent (getppid is the denied call, so read it from /proc).
  pid_t sup = 0;
  {
    char buf[512] = "";
    int fd = open("/proc/self/stat", O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0) close(fd);
    if (n > 0) buf[n] = 0;
    const char *p = strrchr(buf, ')');
    if (p) sscanf(p + 2, "%*c %d", &sup);
  }
  const pid_t sup_pgid = getpgid(sup);
  if (tcgetpgrp(2) != getpgrp() || getpgrp() != sup_pgid) {
    skipped(name, "not in the terminal's foreground group with the supervisor (fg %d, ours %d, sup %d)",
            (int)tcgetpgrp(2), (int)getpgrp(), (int)sup_pgid);
    return 0;
  }
  signal(SIGTTOU, SIG_IGN);  // this process is in the supervisor's group too
  struct termios tio, old;
  if (tcgetattr(2, &old) != 0) return setup_error(name, "tcgetattr: %s", errname(errno)), 2;
  tio = old;
  tio.c_lflag |= TOSTOP;
  if (tcsetattr(2, TCSANOW, &tio) != 0) return setup_error(name, "tcsetattr: %s", errname(errno)), 2;
  int go[2];
  if (pipe(go) != 0) return 2;
  const pid_t child = fork();
  if (child < 0) return 2;
  if (child == 0) {
    setpgid(0, 0);
    char c;
    if (read(go[0], &c, 1) != 1) _exit(2);
    int stopped = 0;
    for (int i = 0; i < 200 && !stopped; i++) {
      if (proc_state(sup) == 'T') stopped = 1;
      else usleep(10000);
    }
    if (stopped)
      bypass(name, "the supervisor (pid %d) is stopped (state T): SIGTTOU from the terminal after "
                   "its group was put in the background by a tracee", (int)sup);
    else
      ok(name, "the supervisor was not stopped");
    signal(SIGTTOU, SIG_IGN);
    tcsetpgrp(2, sup_pgid);  // the terminal back to the supervisor's group
    tcsetattr(2, TCSANOW, &old);
    _exit(finish());
  }
  setpgid(child, child);
  if (tcsetpgrp(2, child) != 0) {
    setup_error(name, "tcsetpgrp: %s", errname(errno));
    kill(child, SIGKILL);
    return finish();
  }
  (void)!write(go[1], "x", 1);
  // A denied call: the supervisor writes its record to the terminal.
  syscall(SYS_getppid);
  int st = 0;
  waitpid(child, &st, 0);
  tcsetattr(2, TCSANOW, &old);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 2;
}
