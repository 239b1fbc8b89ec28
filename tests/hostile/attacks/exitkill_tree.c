// exitkill_tree LIST: a tree of tasks that would outlive an unsupervised sandbox: this process
// with 2 threads; a child with a thread; a grandchild that calls setsid(); and a great-grandchild
// (with a thread) whose parent, the grandchild, exits, so init adopts it (a daemon). Every task
// appends "<pid> <tid>" to LIST; when all 7 live tasks are listed, LIST.ready appears. Then all
// of them sleep. The script kills the supervisor from outside: every task must die (EXITKILL).
#include "attack.h"

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

static const char *g_list;

static void record(void) {
  int fd = open(g_list, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) _exit(3);
  say(fd, "%d %ld\n", (int)getpid(), (long)syscall(SYS_gettid));
  close(fd);
}

static void *sleeper(void *arg) {
  (void)arg;
  record();
  for (;;) pause();
  return NULL;
}

static void spawn_thread(void) {
  pthread_t t;
  pthread_attr_t a;
  pthread_attr_init(&a);
  pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
  if (pthread_create(&t, &a, sleeper, NULL) != 0) _exit(3);
}

static int count_lines(const char *path) {
  char buf[4096];
  int fd = open(path, O_RDONLY | O_CLOEXEC), n = 0;
  if (fd < 0) return 0;
  ssize_t got;
  while ((got = read(fd, buf, sizeof buf)) > 0)
    for (ssize_t i = 0; i < got; i++) n += buf[i] == '\n';
  close(fd);
  return n;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    say(2, "usage: exitkill_tree LIST\n");
    return 2;
  }
  g_list = argv[1];
  record();
  spawn_thread();
  spawn_thread();
  pid_t child = fork();
  if (child == 0) {
    record();
    spawn_thread();
    pid_t grandchild = fork();
    if (grandchild == 0) {
      setsid();
      pid_t daemon = fork();
      if (daemon == 0) {
        record();
        spawn_thread();
        for (;;) pause();
      }
      _exit(0);  // the daemon is orphaned: adopted by init (or a subreaper)
    }
    waitpid(grandchild, NULL, 0);
    for (;;) pause();
  }
  // this process + 2 threads + child + its thread + daemon + its thread
  for (int i = 0; i < 1000 && count_lines(g_list) < 7; i++) usleep(10000);
  if (count_lines(g_list) < 7) {
    say(2, "exitkill_tree: only %d tasks started\n", count_lines(g_list));
    return 3;
  }
  char ready[4096];
  snprintf(ready, sizeof ready, "%s.ready", g_list);
  int fd = open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  say(fd, "ready\n");
  close(fd);
  for (;;) pause();
}
