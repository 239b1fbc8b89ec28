// attack.h: the reporting protocol shared by the hostile attack programs (tests/hostile).
//
// An attack program tries one way out of the sandbox, in as many variants as it knows, and says
// for each variant, on stdout, one line:
//   ok NAME: DETAIL       the attack failed the way it must (e.g. "errno=EPERM")
//   BYPASS NAME: DETAIL   the attack worked: the sandbox did not hold
//   SKIP NAME: WHY        this kernel cannot run the variant at all (said loudly)
// and exits 0 (every variant failed), 1 (at least one BYPASS) or 2 (usage or set-up error).
// The test script checks the lines and, separately, that the supervisor logged each denial.
// Output goes straight to fd 1 with one write(2) per line (say), never through a stdio buffer, so
// lines survive fork, raw clone and _exit, appear in order, and cost no other syscall (dprintf
// would also lseek: a default-deny policy would have to allow it).
#ifndef XPLEDGE_ATTACK_H
#define XPLEDGE_ATTACK_H
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int g_bypass, g_setup_error;

// Helpers every program may or may not use.
#define ATTACK_FN static __attribute__((unused))

// say(FD, FMT, ...): one formatted line (or part of one) written with a single write(2).
__attribute__((format(printf, 2, 3))) ATTACK_FN void say(int fd, const char *fmt, ...) {
  char buf[2048];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n >= sizeof buf) n = (int)sizeof buf - 1;
  (void)!write(fd, buf, (size_t)n);
}

ATTACK_FN void report(const char *tag, const char *name, const char *fmt, va_list ap) {
  char buf[1024];
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  if (n < 0) buf[0] = 0;
  say(STDOUT_FILENO, "%s %s: %s\n", tag, name, buf);
}

__attribute__((format(printf, 2, 3))) ATTACK_FN void ok(const char *name, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  report("ok", name, fmt, ap);
  va_end(ap);
}

__attribute__((format(printf, 2, 3))) ATTACK_FN void bypass(const char *name, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  report("BYPASS", name, fmt, ap);
  va_end(ap);
  g_bypass = 1;
}

__attribute__((format(printf, 2, 3))) ATTACK_FN void skipped(const char *name, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  report("SKIP", name, fmt, ap);
  va_end(ap);
}

// A set-up step that must work for the attack to mean anything (not an attack result).
__attribute__((format(printf, 2, 3))) ATTACK_FN void setup_error(const char *name, const char *fmt,
                                                              ...) {
  va_list ap;
  va_start(ap, fmt);
  report("ERROR", name, fmt, ap);
  va_end(ap);
  g_setup_error = 1;
}

// A flipper's pause between two stores: `spin` empty turns, about as long as a supervisor's
// decision, varied so that sooner or later a flip lands between its read and the kernel's. The
// next pause's length.
ATTACK_FN unsigned spin_pause(unsigned spin) {
  for (volatile unsigned i = 0; i < spin; i++) {
  }
  return spin * 1103515245u % 4096u + 1;
}

// SIGALRM in one second runs `handler`, with SA_RESTART: the call then blocked is interrupted
// and restarted by the kernel after the handler (ERESTARTSYS).
ATTACK_FN void restarting_alarm(void (*handler)(int)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, NULL);
  alarm(1);
}

ATTACK_FN int finish(void) { return g_setup_error ? 2 : g_bypass ? 1 : 0; }

ATTACK_FN const char *errname(int e) {
  if (e == 0) return "0";
  const char *s = strerrorname_np(e);
  return s ? s : "?";
}

// errno number from a name or a number ("EUCLEAN", "117"); -1 if unknown.
ATTACK_FN int errno_from(const char *s) {
  char *end;
  long v = strtol(s, &end, 10);
  if (*s && !*end) return (int)v;
  for (int e = 1; e < 4096; e++) {
    const char *n = strerrorname_np(e);
    if (n && strcmp(n, s) == 0) return e;
  }
  return -1;
}

// A raw call's result against the denial it must get: -1 with errno `want` is ok; success is a
// bypass; another errno is a bypass too (the call reached the kernel: it was not our denial).
ATTACK_FN void expect_denied(const char *name, long r, int err, int want) {
  if (r == -1 && err == want)
    ok(name, "errno=%s", errname(err));
  else if (r == -1)
    bypass(name, "errno=%s, expected %s (the call reached the kernel)", errname(err),
           errname(want));
  else
    bypass(name, "returned %ld, expected errno %s", r, errname(want));
}

// TracerPid of a task ("/proc/PID/status" or "/proc/PID/task/TID/status"), -1 if unreadable.
// Raw syscalls only: usable from a raw-clone child or thread that shares its parent's TLS.
#include <fcntl.h>
#include <sys/syscall.h>
ATTACK_FN long tracer_pid_of(const char *status_path) {
  char buf[4096];
  long fd = syscall(SYS_openat, AT_FDCWD, status_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  long n = syscall(SYS_read, fd, buf, sizeof buf - 1);
  syscall(SYS_close, fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  const char *p = strstr(buf, "\nTracerPid:");
  if (!p) return -1;
  p += 11;
  while (*p == ' ' || *p == '\t') p++;
  long v = 0;
  while (*p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
  return v;
}

// State letter of /proc/PID/stat (R, S, T, t, Z...), '?' if gone.
ATTACK_FN char proc_state(pid_t pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return '?';
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return '?';
  buf[n] = 0;
  const char *p = strrchr(buf, ')');
  return p && p[1] == ' ' ? p[2] : '?';
}

// Wait up to `ms` milliseconds for PID to reach a stopped state (T or t); 1 if it did.
#include <time.h>
ATTACK_FN int became_stopped(pid_t pid, int ms) {
  for (int i = 0; i < ms / 10; i++) {
    char s = proc_state(pid);
    if (s == 'T' || s == 't') return 1;
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  return 0;
}

// run_variants(NAMES, FN): FN(name) for each name in the NULL-terminated NAMES, each in its own
// forked process (an attack that works leaves that process in any state); a variant that dies
// or exits 1 or 2 counts as a set-up error, a bypass, a set-up error. Returns finish().
#include <sys/wait.h>
ATTACK_FN int run_variants(const char **names, void (*fn)(const char *name)) {
  for (int i = 0; names[i]; i++) {
    pid_t pid = fork();
    if (pid < 0) {
      setup_error(names[i], "fork: %s", errname(errno));
      break;
    }
    if (pid == 0) {
      fn(names[i]);
      _exit(finish());
    }
    int st = 0;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st)) setup_error(names[i], "the variant died: status %#x", st);
    else if (WEXITSTATUS(st) == 1) g_bypass = 1;
    else if (WEXITSTATUS(st) == 2) g_setup_error = 1;
  }
  return finish();
}

// System call `nr` (clone or clone3) with arguments a0, a1 (rdx, r10, r8 as they are: clone's
// ptid, ctid, tls, unused without the flags that name them) whose child never returns into the
// caller's frame: it calls fn on whatever stack it has (the one the call names, or the parent's
// copy) and exits (SYS_exit: this task only) with fn's result from the assembly. The parent
// gets the child's tid, or -1 and errno.
#include <sys/syscall.h>
ATTACK_FN long raw_clone_call_run(long nr, long (*fn)(void), unsigned long a0, unsigned long a1) {
  register long rax __asm__("rax") = nr;
  register long (*r12)(void) __asm__("r12") = fn;
  __asm__ volatile(
      "syscall\n\t"
      "test %%rax, %%rax\n\t"
      "jnz 1f\n\t"
      "and $-16, %%rsp\n\t"
      "call *%%r12\n\t"
      "mov %%rax, %%rdi\n\t"
      "mov $60, %%eax\n\t"
      "syscall\n\t"
      "1:\n\t"
      : "+a"(rax)
      : "D"(a0), "S"(a1), "r"(r12)
      : "rcx", "r11", "memory");
  if (rax < 0) {
    errno = (int)-rax;
    return -1;
  }
  return rax;
}

// clone3(args, size), as above.
ATTACK_FN long raw_clone3_run(long (*fn)(void), void *args, unsigned long size) {
  return raw_clone_call_run(SYS_clone3, fn, (unsigned long)args, size);
}

// Legacy clone(flags, stack), as above (its exit signal is in flags; no tids, no TLS).
ATTACK_FN long raw_clone_run(long (*fn)(void), unsigned long flags, void *stack) {
  return raw_clone_call_run(SYS_clone, fn, flags, (unsigned long)stack);
}

#endif
