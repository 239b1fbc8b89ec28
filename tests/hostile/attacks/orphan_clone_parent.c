// orphan_clone_parent ROUNDS: an orphaned process (its parent exited, so its parent is now init)
// makes ROUNDS children with clone(CLONE_PARENT). Each child names init as its parent too, and
// may stop before the supervisor sees its creator's clone event. The supervisor holds such a
// child until that event and kills the ones no live tracee can have made (issue 15 item 6, the
// fork/exit race); a CLONE_PARENT child of a live orphan must not be among them. Each child
// writes one byte to a pipe: every one of them must have run.
#include "attack.h"

#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 50;
  int done[2];
  if (pipe(done) != 0) return setup_error("orphan-clone-parent", "pipe: %s", errname(errno)), finish();
  pid_t mid = fork();
  if (mid < 0) return setup_error("orphan-clone-parent", "fork: %s", errname(errno)), finish();
  if (mid == 0) {
    const pid_t middle = getpid();
    if (fork() != 0) _exit(0);  // the middle process exits: the grandchild is an orphan
    close(done[0]);
    while (getppid() == middle) usleep(1000);
    int ran[2];
    if (pipe(ran) != 0) _exit(3);
    int made = 0;
    for (int i = 0; i < rounds; i++) {
      long pid = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
      if (pid == 0) {
        (void)!write(ran[1], "x", 1);
        _exit(0);
      }
      if (pid > 0) made++;
    }
    close(ran[1]);
    int got = 0;
    char c;
    while (read(ran[0], &c, 1) == 1) got++;
    if (made != rounds)
      setup_error("orphan-clone-parent", "clone(CLONE_PARENT): %d of %d made", made, rounds);
    else if (got != made)
      setup_error("orphan-clone-parent", "%d of %d CLONE_PARENT children of an orphan ran (the rest were killed)",
                  got, made);
    else
      ok("orphan-clone-parent", "%d CLONE_PARENT children of an orphan ran", got);
    _exit(finish());
  }
  close(done[1]);
  waitpid(mid, NULL, 0);
  char c;
  while (read(done[0], &c, 1) > 0) {}  // EOF: the orphan has finished
  return finish();
}
