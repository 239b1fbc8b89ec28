/* pledge_threads: promises bind the whole process, not the calling thread.
 * A thread started BEFORE the pledge waits on a pipe; the main thread pledges "stdio" and lets
 * it go; it then opens PATH for reading. A second thread is started AFTER the pledge (glibc
 * uses clone3, which the supervisor judges as clone with thread flags, which stdio allows) and
 * opens PATH too. Prints one line per event.
 *
 * Exit status: 0 both threads were refused with EPERM; 1 a thread could open PATH;
 *              2 xpledge failed; 3 a thread could not be created or joined. */
#include "victim.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <xpledge.h>

static const char *g_path;
static int g_pipe[2];

static void *try_open(void *name) {
  char c;
  if (strcmp(name, "before") == 0 && read(g_pipe[0], &c, 1) != 1) return (void *)(long)-1;
  int fd = open(g_path, O_RDONLY);
  int e = fd >= 0 ? 0 : errno;
  say("thread %s: open = %s", (const char *)name, fd >= 0 ? "ok" : errname(e));
  if (fd >= 0) close(fd);
  return (void *)(long)e;
}

int main(int argc, char **argv) {
  g_path = argc > 1 ? argv[1] : "/etc/passwd";
  if (pipe(g_pipe) != 0) return 3;
  pthread_t before, after;
  if (pthread_create(&before, NULL, try_open, "before") != 0) return say("create before failed"), 3;
  int r = xpledge("stdio", NULL);
  say("xpledge(\"stdio\", NULL) = %d %s", r, errname(r == 0 ? 0 : errno));
  if (write(g_pipe[1], "g", 1) != 1) return 3;
  void *e_before, *e_after;
  if (pthread_join(before, &e_before) != 0) return 3;
  if (r != 0) return 2;
  int rc = pthread_create(&after, NULL, try_open, "after");
  say("thread after: create = %s", rc == 0 ? "ok" : errname(rc));
  if (rc != 0) return 3;
  if (pthread_join(after, &e_after) != 0) return 3;
  return (long)e_before == EPERM && (long)e_after == EPERM ? 0 : 1;
}
