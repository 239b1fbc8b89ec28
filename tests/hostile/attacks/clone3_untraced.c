// clone3_untraced: clone3(2) keeps its flags in memory, where another thread could rewrite them
// after the supervisor looked. The supervisor answers ENOSYS (libc then falls back to clone,
// whose flags are in a register). Asks for CLONE_UNTRACED, a plain fork, and a thread-like
// CLONE_VM child; each must fail with ENOSYS and create nothing.
#include "attack.h"

#include <linux/sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

static void try_clone3(const char *name, unsigned long long flags, void *stack, size_t size) {
  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.flags = flags;
  args.exit_signal = SIGCHLD;
  args.stack = (unsigned long long)(unsigned long)stack;
  args.stack_size = size;
  errno = 0;
  long r = syscall(SYS_clone3, &args, sizeof args);
  if (r == 0) syscall(SYS_exit_group, 0);  // a child: vanish at once (raw: may share our memory)
  int err = errno;
  if (r > 0) waitpid((pid_t)r, NULL, __WALL);
  expect_denied(name, r, err, ENOSYS);
}

int main(void) {
  const size_t size = 64 * 1024;
  char *stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (stack == MAP_FAILED) return 2;
  try_clone3("clone3-untraced", CLONE_UNTRACED, NULL, 0);
  try_clone3("clone3-fork", 0, NULL, 0);
  try_clone3("clone3-vm-untraced", CLONE_VM | CLONE_UNTRACED, stack, size);
  return finish();
}
