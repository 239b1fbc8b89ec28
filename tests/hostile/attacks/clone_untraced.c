// clone_untraced: ask the kernel for a child or thread that the supervisor does not trace
// (CLONE_UNTRACED). The supervisor must clear the flag: every new task is traced, and a call the
// policy denies (getppid, with ERRNO) stays denied there. In seccomp mode an untraced task would
// get ENOSYS instead (SECCOMP_RET_TRACE with no tracer), in pure ptrace mode success: either way
// the errno check catches it, and TracerPid is checked as well.
//
//   clone_untraced ERRNO VARIANT...   VARIANT: fork (raw clone, no new stack), vm (CLONE_VM on a
//                                     new stack), vfork (CLONE_VFORK|CLONE_VM), thread
//                                     (CLONE_THREAD|CLONE_SIGHAND|CLONE_VM), int80 (i386 clone
//                                     via int $0x80; needs i386 in the policy's abis)
// The new task uses raw syscalls only (it may share the parent's TLS and errno).
#include "attack.h"

#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>

struct result {
  _Atomic int done;
  long tid;
  long tracer;
  long ppid_ret;  // raw getppid(): -errno or the pid
};

static struct result *shared;  // MAP_SHARED: visible from forked children too

static long raw_getppid(void) {
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"((long)SYS_getppid) : "rcx", "r11", "memory");
  return r;  // -errno on failure, no errno write
}

static void child_report(void) {
  char path[80];
  long tid = syscall(SYS_gettid);
  snprintf(path, sizeof path, "/proc/%ld/task/%ld/status", (long)syscall(SYS_getpid), tid);
  shared->tid = tid;
  shared->tracer = tracer_pid_of(path);
  shared->ppid_ret = raw_getppid();
  atomic_store(&shared->done, 1);
}

static int child_main(void *arg) {
  (void)arg;
  child_report();
  return 0;  // glibc's clone wrapper then calls exit (the thread or the process alone)
}

static long int80_clone(long flags) {
  long ret;
  __asm__ volatile("int $0x80"
                   : "=a"(ret)
                   : "a"(120L), "b"(flags), "c"(0L), "d"(0L), "S"(0L), "D"(0L)
                   : "r8", "r9", "r10", "r11", "memory", "cc");
  return (int)ret;
}

static void judge(const char *name, long created, int want) {
  if (created < 0) {
    // Refusing the clone outright also keeps the sandbox closed.
    ok(name, "clone refused: errno=%s", errname((int)-created));
    return;
  }
  for (int i = 0; i < 500 && !atomic_load(&shared->done); i++) usleep(10000);
  if (!atomic_load(&shared->done)) {
    setup_error(name, "the new task never reported");
    return;
  }
  const int denied = shared->ppid_ret == -want;
  if (shared->tracer > 0 && denied)
    ok(name, "new task %ld is traced (TracerPid=%ld), getppid errno=%s", shared->tid,
       shared->tracer, errname(want));
  else
    bypass(name, "new task %ld: TracerPid=%ld, getppid returned %ld (expected -%s)", shared->tid,
           shared->tracer, shared->ppid_ret, errname(want));
}

int main(int argc, char **argv) {
  int want = argc >= 3 ? errno_from(argv[1]) : -1;
  if (want <= 0) {
    say(2, "usage: clone_untraced ERRNO fork|vm|vfork|thread|int80...\n");
    return 2;
  }
  shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) return 2;
  const size_t stack_size = 256 * 1024;
  char *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) return 2;
  char *top = stack + stack_size;

  for (int i = 2; i < argc; i++) {
    const char *v = argv[i];
    char name[64];
    snprintf(name, sizeof name, "untraced-%s", v);
    memset(shared, 0, sizeof *shared);
    long created;
    if (strcmp(v, "fork") == 0) {
      created = syscall(SYS_clone, CLONE_UNTRACED | SIGCHLD, 0, 0, 0, 0);
      if (created == 0) {
        child_report();
        syscall(SYS_exit_group, 0);
      }
      if (created < 0) created = -errno;
    } else if (strcmp(v, "vm") == 0 || strcmp(v, "vfork") == 0) {
      int flags = CLONE_VM | CLONE_UNTRACED | SIGCHLD;
      if (strcmp(v, "vfork") == 0) flags |= CLONE_VFORK;
      created = clone(child_main, top, flags, NULL);
      if (created < 0) created = -errno;
    } else if (strcmp(v, "thread") == 0) {
      created = clone(child_main, top,
                      CLONE_THREAD | CLONE_SIGHAND | CLONE_VM | CLONE_FS | CLONE_FILES |
                          CLONE_SYSVSEM | CLONE_UNTRACED,
                      NULL);
      if (created < 0) created = -errno;
    } else if (strcmp(v, "int80") == 0) {
      created = int80_clone(CLONE_UNTRACED | SIGCHLD);
      if (created == 0) {
        child_report();
        syscall(SYS_exit_group, 0);
      }
    } else {
      say(2, "clone_untraced: unknown variant %s\n", v);
      return 2;
    }
    judge(name, created, want);
    if (created > 0 && strcmp(v, "thread") != 0) waitpid((pid_t)created, NULL, __WALL);
    if (created > 0 && strcmp(v, "thread") == 0) usleep(20000);  // let it leave our stack
  }
  return finish();
}
