// unveil_race DIR ROUNDS: ways around SYS_xunveil (10001, called raw: the supervisor's answer,
// never the library's Landlock fallback). DIR holds open/ (to be unveiled) and hidden (a file
// that must vanish from the unveiling process at the moment xunveil returns 0).
//   thread-race   a second thread opens `hidden` in a loop while the first unveils: an open it
//                 starts after xunveil returned 0 must fail (ENOENT), in every round.
//   fork-race     a second thread forks in a loop while the first unveils; each child unveils
//                 open/ itself and must then find `hidden` gone (a child that copied the table
//                 but not the kernel's filter would open it unseen).
//   fork-before   a child forked before the unveil keeps its old view: it still opens `hidden`.
//   vfork-child   a vfork child of an unveiled process finds `hidden` gone.
// Each round is a fresh process (unveiling is for good). Exit 0 / 1 (bypass) / 2 (set-up).
#include "attack.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

static const char *g_open_dir, *g_hidden;
static atomic_int g_unveiled, g_stop;
static atomic_long g_late_opens, g_late_refused;

static long xunveil_raw(const char *path, const char *perms) {
  return syscall(10001, path, perms);
}

static int open_hidden(int *err) {
  const int fd = open(g_hidden, O_RDONLY);
  *err = errno;
  if (fd >= 0) close(fd);
  return fd >= 0;
}

static void *opener(void *unused) {
  (void)unused;
  while (!atomic_load(&g_stop)) {
    const int after = atomic_load(&g_unveiled);  // read before the open starts
    int err = 0;
    const int opened = open_hidden(&err);
    if (!after) continue;
    if (opened) atomic_fetch_add(&g_late_opens, 1);
    else if (err == ENOENT) atomic_fetch_add(&g_late_refused, 1);
  }
  return NULL;
}

static void pause_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

// Until the other thread has had `n` results after the unveil (or 5 s: a loaded machine).
static void wait_for_late(long n) {
  for (int i = 0; i < 5000; ++i) {
    if (atomic_load(&g_late_opens) + atomic_load(&g_late_refused) >= n) return;
    pause_ms(1);
  }
}

// One process: unveil while another thread opens. Exit 0 held, 1 opened late, 2 set-up.
static int thread_round(void) {
  pthread_t t;
  if (pthread_create(&t, NULL, opener, NULL) != 0) return 2;
  pause_ms(2);
  if (xunveil_raw(g_open_dir, "r") != 0) return 2;
  atomic_store(&g_unveiled, 1);
  wait_for_late(3);
  atomic_store(&g_stop, 1);
  pthread_join(t, NULL);
  if (atomic_load(&g_late_opens) > 0) return 1;
  return atomic_load(&g_late_refused) > 0 ? 0 : 2;
}

static void *forker(void *unused) {
  (void)unused;
  while (!atomic_load(&g_stop)) {
    const int late = atomic_load(&g_unveiled);  // forked after xunveil returned
    const pid_t pid = fork();
    if (pid == 0) {
      int err = 0;
      if (xunveil_raw(g_open_dir, "r") != 0) _exit(2);
      _exit(open_hidden(&err) ? 1 : err == ENOENT ? 0 : 2);
    }
    if (pid < 0) continue;
    int status = 0;
    waitpid(pid, &status, 0);
    // Every child unveils and must then find `hidden` gone, whenever it was made; the ones
    // made after the parent's xunveil returned count towards the round's minimum.
    if (WIFEXITED(status) && WEXITSTATUS(status) == 1) atomic_fetch_add(&g_late_opens, 1);
    else if (late && WIFEXITED(status) && WEXITSTATUS(status) == 0)
      atomic_fetch_add(&g_late_refused, 1);
  }
  return NULL;
}

// Several forkers: a fork the kernel copies between the injection and TSYNC is what the engine
// must place (unveil_calls.cpp inherit_unveil_view).
static int fork_round(void) {
  enum { kForkers = 4 };
  pthread_t t[kForkers];
  for (int i = 0; i < kForkers; ++i)
    if (pthread_create(&t[i], NULL, forker, NULL) != 0) return 2;
  pause_ms(1);
  if (xunveil_raw(g_open_dir, "r") != 0) return 2;
  atomic_store(&g_unveiled, 1);
  wait_for_late(3);
  atomic_store(&g_stop, 1);
  for (int i = 0; i < kForkers; ++i) pthread_join(t[i], NULL);
  if (atomic_load(&g_late_opens) > 0) return 1;
  return atomic_load(&g_late_refused) > 0 ? 0 : 2;
}

// Runs `round` in ROUNDS fresh processes: the counts of rounds held and of bypasses.
static void rounds(const char *name, int (*round)(void), int n) {
  int held = 0, broken = 0, errors = 0;
  for (int i = 0; i < n; ++i) {
    const pid_t pid = fork();
    if (pid == 0) _exit(round());
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
      ++errors;
      continue;
    }
    const int rc = WEXITSTATUS(status);
    held += rc == 0;
    broken += rc == 1;
    errors += rc > 1;
  }
  if (broken) bypass(name, "%d of %d rounds opened the hidden file after xunveil returned 0",
                     broken, n);
  else if (errors) setup_error(name, "%d of %d rounds could not run", errors, n);
  else ok(name, "%d rounds, hidden from the moment xunveil returned", held);
}

static void fork_before(void) {
  int go[2], res[2];
  if (pipe(go) || pipe(res)) return setup_error("fork-before", "pipe: %s", strerror(errno));
  const pid_t pid = fork();
  if (pid == 0) {
    char c;
    // Without the write end, a parent that gives up (xunveil refused, natively) ends this read.
    close(go[1]);
    close(res[0]);
    if (read(go[0], &c, 1) != 1) _exit(2);
    int err = 0;
    const char r = open_hidden(&err) ? 'o' : 'r';
    (void)!write(res[1], &r, 1);
    _exit(0);
  }
  if (xunveil_raw(g_open_dir, "r") != 0) return setup_error("fork-before", "xunveil: %s", strerror(errno));
  int err = 0;
  const int parent_opens = open_hidden(&err);
  (void)!write(go[1], "g", 1);
  char r = 0;
  if (read(res[0], &r, 1) != 1) return setup_error("fork-before", "no answer from the child");
  waitpid(pid, NULL, 0);
  if (parent_opens) bypass("fork-before", "the unveiling parent opened the hidden file");
  else if (r != 'o') setup_error("fork-before", "the child forked before the unveil lost its view");
  else ok("fork-before", "parent errno=%s, the older child keeps its view", strerrorname_np(err));
}

static void vfork_child(void) {
  if (xunveil_raw(g_open_dir, "r") != 0) return setup_error("vfork-child", "xunveil: %s", strerror(errno));
  volatile int opened = -1, err = 0;
  const pid_t pid = vfork();
  if (pid == 0) {
    const int fd = open(g_hidden, O_RDONLY);
    err = errno;
    opened = fd >= 0;
    _exit(0);
  }
  waitpid(pid, NULL, 0);
  if (opened == 1) bypass("vfork-child", "the vfork child opened the hidden file");
  else if (err != ENOENT) setup_error("vfork-child", "open: %s", strerror(err));
  else ok("vfork-child", "errno=ENOENT");
}

// Runs `variant` in a child process of its own (it unveils for good): its exit status, 2 if it
// did not exit.
static int in_child(void (*variant)(void)) {
  const pid_t pid = fork();
  if (pid == 0) {
    variant();
    _exit(g_bypass ? 1 : g_setup_error ? 2 : 0);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return 2;
  return WEXITSTATUS(status);
}

int main(int argc, char **argv) {
  if (argc != 3) return say(2, "usage: unveil_race DIR ROUNDS\n"), 2;
  static char open_dir[4096], hidden[4096];
  snprintf(open_dir, sizeof open_dir, "%s/open", argv[1]);
  snprintf(hidden, sizeof hidden, "%s/hidden", argv[1]);
  g_open_dir = open_dir;
  g_hidden = hidden;
  const int n = atoi(argv[2]);
  rounds("thread-race", thread_round, n);
  rounds("fork-race", fork_round, n);
  const int sa = in_child(fork_before), sb = in_child(vfork_child);
  if (sa == 1 || sb == 1) g_bypass = 1;
  else if (sa || sb) g_setup_error = 1;
  return finish();
}
