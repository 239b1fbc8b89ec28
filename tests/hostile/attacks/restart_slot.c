// restart_slot DIR: correctness, not an escape. A path-checked call interrupted by a signal
// (ERESTARTSYS, SA_RESTART) is restarted by the kernel with the same registers: its path
// argument still points at the thread's pinned slot. If the handler made a path-checked call of
// its own on the same thread, that call's path was pinned in the same slot, and the restarted
// call now names the handler's file. Here: open(DIR/fifo, O_WRONLY) blocks (no reader yet);
// SIGALRM's handler opens DIR/allowed read-only; the restarted open opens DIR/allowed for
// writing instead of the FIFO (the supervisor checks the restart again, so the policy holds, but
// the program writes to the wrong file). The handler says "handler ran during the open" on
// stderr once it has interrupted the open (an alarm that came before the open is set again):
// DIR/fifo must get a reader after that line, not before.
// Reported as BYPASS (the protocol's only failure tag): the sandbox changed what the program does.
#include "attack.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>

static char g_fifo[4096], g_allowed[4096];
static volatile sig_atomic_t g_in_open;

static void handler(int sig) {
  (void)sig;
  if (!g_in_open) {  // a slow start: the open is not blocked yet, so nothing to interrupt
    alarm(1);
    return;
  }
  long fd = syscall(SYS_openat, AT_FDCWD, g_allowed, O_RDONLY);
  if (fd >= 0) close((int)fd);
  static const char line[] = "handler ran during the open\n";
  (void)!write(STDERR_FILENO, line, sizeof line - 1);
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  snprintf(g_fifo, sizeof g_fifo, "%s/fifo", argv[1]);
  snprintf(g_allowed, sizeof g_allowed, "%s/allowed", argv[1]);
  restarting_alarm(handler);
  g_in_open = 1;
  long fd = syscall(SYS_openat, AT_FDCWD, g_fifo, O_WRONLY);
  if (fd < 0) {
    setup_error("restart", "open(fifo): %s", errname(errno));
    return finish();
  }
  char link[64], target[4096] = {0};
  snprintf(link, sizeof link, "/proc/self/fd/%ld", fd);
  if (readlink(link, target, sizeof target - 1) < 0) snprintf(target, sizeof target, "?");
  if (strcmp(target, g_fifo) == 0)
    ok("restart", "the restarted open reached the FIFO");
  else
    bypass("restart", "the restarted open(fifo, O_WRONLY) opened %s instead (the handler's path, "
                      "pinned in the same slot)", target);
  return finish();
}
