// vfork_scratch DIR: a vfork child (sharing its parent's address space) makes the first
// path-checked call of the image, so the supervisor attaches the path scratch area for both;
// then the parent's own path-checked calls must be pinned and run too, not refused with EAGAIN
// (issue 15 item 7: the attachment was tracked per process, not per address space). The policy
// checks paths of mkdir only (nothing before main makes one) and denies DIR/forbiddn.
#include "attack.h"

#include <sys/stat.h>
#include <sys/wait.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    say(2, "usage: vfork_scratch DIR\n");
    return 2;
  }
  char child_dir[4096], parent_dir[4096], forbidden[4096];
  snprintf(child_dir, sizeof child_dir, "%s/by-child", argv[1]);
  snprintf(parent_dir, sizeof parent_dir, "%s/by-parent", argv[1]);
  snprintf(forbidden, sizeof forbidden, "%s/forbiddn", argv[1]);
  pid_t pid = vfork();
  if (pid < 0) return setup_error("vfork", "vfork: %s", errname(errno)), finish();
  if (pid == 0) _exit(mkdir(child_dir, 0755) == 0 ? 0 : 10 + errno % 100);
  int st = 0;
  waitpid(pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
    return setup_error("vfork-child", "the child's mkdir failed: status %#x", st), finish();
  if (mkdir(parent_dir, 0755) == 0)
    ok("vfork-parent", "the parent's path-checked mkdir ran after its vfork child's");
  else
    bypass("vfork-parent", "the parent's allowed mkdir failed: errno=%s", errname(errno));
  // Still pinned and checked: the rule holds for the parent.
  long r = mkdir(forbidden, 0755);
  expect_denied("vfork-rule", r, errno, EUCLEAN);
  return finish();
}
