// clone_regs: the argument registers a clone or clone3 leaves to both sides. The kernel keeps rdi
// and rsi across a system call, and the child starts with its parent's registers; the supervisor
// rewrites clone's flags (CLONE_UNTRACED cleared) and points clone3 at a pinned copy of its
// struct (the scratch area), and must give back the program's own values in the parent and in
// the child. Each variant is one raw `syscall` in inline asm; the child compares rdi and rsi with
// what was passed and exits 0 (its own) or 1 (rewritten) without touching the stack, the parent
// stores them and compares. Variants:
//   clone3-fork      clone3 {exit_signal SIGCHLD}             (pinned: rdi -> scratch)
//   clone3-untraced  clone3 {CLONE_UNTRACED, SIGCHLD}          (pinned, flag cleared)
//   clone3-vfork     clone3 {CLONE_VM|CLONE_VFORK, SIGCHLD}    (the child runs on our stack)
//   clone-untraced   clone(CLONE_UNTRACED|SIGCHLD, 0, ...)      (flag cleared in rdi)
//   clone-fork       clone(SIGCHLD, 0, ...)                    (untouched: the control)
// A child or parent that sees another value is a BYPASS (of transparency: the program's
// registers were changed behind its back).
#include "attack.h"

#include <linux/sched.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef __NR_clone3
#define __NR_clone3 435
#endif

struct seen {
  uint64_t rdi, rsi;
};

// One raw clone-like call. expect[0..1] are the rdi, rsi the program passed; the child exits 0
// if it sees them, 1 if not (exit, no stack use: it may share ours); the parent gets the result
// and what it saw in *out.
static long raw_clone(long nr, uint64_t a0, uint64_t a1, const uint64_t expect[2],
                      struct seen *out) {
  long ret;
  uint64_t rdi_after, rsi_after;
  register uint64_t r10 __asm__("r10") = 0;
  register uint64_t r8 __asm__("r8") = 0;
  __asm__ volatile(
      "syscall\n\t"
      "test %%rax, %%rax\n\t"
      "jnz 2f\n\t"
      "xor %%edx, %%edx\n\t"  // the child: 0 if rdi and rsi are its own
      "cmp %[e0], %%rdi\n\t"
      "setne %%dl\n\t"
      "cmp %[e1], %%rsi\n\t"
      "jne 1f\n\t"
      "mov %%edx, %%edi\n\t"
      "jmp 3f\n"
      "1:\n\t"
      "mov $1, %%edi\n"
      "3:\n\t"
      "mov $60, %%eax\n\t"  // exit: this task only
      "syscall\n"
      "2:\n\t"
      "mov %%rdi, %[o0]\n\t"
      "mov %%rsi, %[o1]\n\t"
      : "=a"(ret), [o0] "=m"(rdi_after), [o1] "=m"(rsi_after)
      : "0"(nr), "D"(a0), "S"(a1), "d"(0), "r"(r10), "r"(r8), [e0] "m"(expect[0]),
        [e1] "m"(expect[1])
      : "rcx", "r11", "memory");
  out->rdi = rdi_after;
  out->rsi = rsi_after;
  return ret;
}

static void variant(const char *name, long nr, uint64_t a0, uint64_t a1) {
  const uint64_t expect[2] = {a0, a1};
  struct seen parent = {0, 0};
  const long pid = raw_clone(nr, a0, a1, expect, &parent);
  if (pid < 0) {
    setup_error(name, "%s: %s", nr == __NR_clone3 ? "clone3" : "clone", errname((int)-pid));
    return;
  }
  int st = 0;
  if (waitpid((pid_t)pid, &st, 0) != pid || !WIFEXITED(st)) {
    setup_error(name, "child %ld: status %#x", pid, st);
    return;
  }
  if (parent.rdi != a0 || parent.rsi != a1)
    bypass(name, "parent's rdi=%#llx rsi=%#llx, passed %#llx %#llx",
           (unsigned long long)parent.rdi, (unsigned long long)parent.rsi,
           (unsigned long long)a0, (unsigned long long)a1);
  else if (WEXITSTATUS(st) != 0)
    bypass(name, "the child's rdi or rsi is not what was passed (%#llx %#llx)",
           (unsigned long long)a0, (unsigned long long)a1);
  else
    ok(name, "parent and child kept rdi=%#llx rsi=%#llx", (unsigned long long)a0,
       (unsigned long long)a1);
}

int main(void) {
  static struct clone_args fork_args = {.exit_signal = SIGCHLD};
  static struct clone_args untraced_args = {.flags = CLONE_UNTRACED, .exit_signal = SIGCHLD};
  static struct clone_args vfork_args = {.flags = CLONE_VM | CLONE_VFORK, .exit_signal = SIGCHLD};
  variant("clone3-fork", __NR_clone3, (uintptr_t)&fork_args, sizeof fork_args);
  variant("clone3-untraced", __NR_clone3, (uintptr_t)&untraced_args, sizeof untraced_args);
  variant("clone3-vfork", __NR_clone3, (uintptr_t)&vfork_args, sizeof vfork_args);
  variant("clone-untraced", __NR_clone, CLONE_UNTRACED | SIGCHLD, 0);
  variant("clone-fork", __NR_clone, SIGCHLD, 0);
  return finish();
}
