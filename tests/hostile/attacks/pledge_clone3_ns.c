// pledge_clone3_ns: clone3 is judged as clone(flags | exit_signal) (issue 16), and the promises'
// clone entries decide. CLONE_NEWTIME (0x80) lives in clone's exit-signal byte, so no clone(2)
// could ever ask for it and the promises never named it: "proc" refuses every other namespace
// flag ("never namespaces"), "stdio" threads only CLONE_NEWNS. Through clone3:
//
//   proc-newtime     pledge "stdio proc", then clone3(CLONE_NEWTIME): a child in a new time
//                    namespace (unshare(CLONE_NEWTIME) is refused by the same pledge)
//   thread-newns     pledge "stdio", then clone3 of a thread (CLONE_VM|FS|FILES|SIGHAND|THREAD)
//                    with CLONE_NEWNET|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWTIME
//
// A namespace needs CAP_SYS_ADMIN: run as root under a policy that allows it (allow_all.yaml;
// the default policy's clone rule refuses CLONE_NEW*, CLONE_NEWTIME included). Without the
// capability a variant is a SKIP.
#include "attack.h"

#include <linux/sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define SYS_xpledge 10000
static int g_pipe[2];
static char g_ns_before[64];
static const char *g_ns_file;

static long child_main(void) {
  char ns[64] = "";
  long n = syscall(SYS_readlinkat, AT_FDCWD, g_ns_file, ns, sizeof ns - 1);
  if (n > 0) ns[n] = 0;
  char c = strcmp(ns, g_ns_before) != 0 ? 'N' : 'S';
  syscall(SYS_write, g_pipe[1], &c, 1);
  return 0;
}

static void variant(const char *name) {
  const int thread = strcmp(name, "thread-newns") == 0;
  g_ns_file = thread ? "/proc/thread-self/ns/net" : "/proc/thread-self/ns/time";
  long n = readlink(g_ns_file, g_ns_before, sizeof g_ns_before - 1);
  if (n <= 0 || pipe(g_pipe) != 0) {
    setup_error(name, "readlink/pipe");
    return;
  }
  g_ns_before[n] = 0;
  char *stack = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (syscall(SYS_xpledge, thread ? "stdio" : "stdio proc", NULL) != 0) {
    setup_error(name, "xpledge: %s", errname(errno));
    return;
  }
  struct clone_args a;
  memset(&a, 0, sizeof a);
  if (thread) {
    a.flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_NEWNET |
              CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWTIME;
    a.stack = (unsigned long)stack;
    a.stack_size = 65536;
  } else {
    a.flags = CLONE_NEWTIME;
    a.exit_signal = SIGCHLD;
  }
  long r = raw_clone3_run(child_main, &a, sizeof a);
  if (r < 0) {
    if (errno == EPERM && geteuid() != 0) skipped(name, "EPERM, not root (CAP_SYS_ADMIN needed)");
    else ok(name, "refused: errno=%s", errname(errno));
    return;
  }
  char c = '?';
  if (read(g_pipe[0], &c, 1) != 1) c = '?';
  if (!thread) waitpid((pid_t)r, NULL, 0);
  if (c == 'N')
    bypass(name, "a %s in a new %s namespace under pledge \"%s\"", thread ? "thread" : "child",
           thread ? "network" : "time", thread ? "stdio" : "stdio proc");
  else
    ok(name, "made, in our namespace (%c)", c);
}

int main(int argc, char **argv) {
  static const char *all[] = {"proc-newtime", "thread-newns", NULL};
  return run_variants(argc > 1 ? (const char **)argv + 1 : all, variant);
}
