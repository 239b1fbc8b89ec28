/* bare_tracer: the smallest useful ptrace supervisor, as a reference point for xpledge.
 *
 *   bare_tracer [-c] [--seccomp-trace NAME[,NAME...] [--read-args|--read-mem]] -- CMD ARGS
 *
 * Default: PTRACE_SYSCALL on every call (two stops per syscall), following fork/vfork/clone
 * and exec; this is the floor for `xpledge run --no-seccomp`.
 * --seccomp-trace: the child installs a seccomp filter returning SECCOMP_RET_TRACE for the
 * named calls (and for any non-x86-64 call) and RET_ALLOW for everything else; the tracer
 * resumes with PTRACE_CONT, so only the named calls stop, once each at entry.  This is the
 * floor for xpledge's default mode: a stop with no decision at all.
 * --read-args (with --seccomp-trace): at each seccomp stop also fetch the call with
 * PTRACE_GET_SYSCALL_INFO and read its path argument (openat's second) with
 * process_vm_readv, the least any path-checking supervisor must do before deciding.
 * --read-mem: the same, but the path is read with pread() from /proc/PID/mem, kept open
 * per process (one open per process instead of an access check per read).
 * -c prints the number of stops to stderr at the end.
 * Exits with the traced command's status (128+N if it was killed by signal N). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/ptrace.h> /* struct ptrace_syscall_info (glibc's sys/ptrace.h may lack it) */

#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif

static const struct { const char *name; int nr; } kNames[] = {
    {"openat", SYS_openat}, {"open", SYS_open},       {"execve", SYS_execve},
    {"getppid", SYS_getppid}, {"stat", SYS_stat},     {"newfstatat", SYS_newfstatat},
    {"read", SYS_read},     {"close", SYS_close},     {"execveat", SYS_execveat},
};

static int name_to_nr(const char *name) {
  for (size_t i = 0; i < sizeof kNames / sizeof kNames[0]; i++)
    if (strcmp(kNames[i].name, name) == 0) return kNames[i].nr;
  fprintf(stderr, "bare_tracer: unknown syscall name '%s'\n", name);
  exit(125);
}

/* RET_TRACE for the listed numbers and for any foreign arch; RET_ALLOW otherwise. */
static void install_filter(const int *nrs, int n) {
  struct sock_filter prog[64];
  int k = 0;
  prog[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  prog[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
  prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
  prog[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
  for (int i = 0; i < n; i++) {
    /* if nr == nrs[i]: jump to the TRACE return (n - i) instructions on */
    prog[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nrs[i],
                                             (unsigned char)(n - i), 0);
  }
  prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
  struct sock_fprog fprog = {.len = (unsigned short)k, .filter = prog};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) != 0) {
    perror("bare_tracer: seccomp");
    _exit(125);
  }
}

int main(int argc, char **argv) {
  int use_seccomp = 0, count = 0, read_args = 0, nrs[32], n_nrs = 0, i = 1;
  for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
    if (strcmp(argv[i], "-c") == 0) {
      count = 1;
    } else if (strcmp(argv[i], "--read-args") == 0) {
      read_args = 1;
    } else if (strcmp(argv[i], "--read-mem") == 0) {
      read_args = 2;
    } else if (strcmp(argv[i], "--seccomp-trace") == 0 && i + 1 < argc) {
      use_seccomp = 1;
      char *list = strdup(argv[++i]);
      for (char *tok = strtok(list, ","); tok && n_nrs < 32; tok = strtok(NULL, ","))
        nrs[n_nrs++] = name_to_nr(tok);
    } else {
      fprintf(stderr, "usage: bare_tracer [-c] [--seccomp-trace NAME,... [--read-args|--read-mem]] -- CMD ARGS\n");
      return 125;
    }
  }
  if (i + 1 >= argc) {
    fprintf(stderr, "usage: bare_tracer [-c] [--seccomp-trace NAME,... [--read-args|--read-mem]] -- CMD ARGS\n");
    return 125;
  }
  char **cmd = argv + i + 1;

  pid_t root = fork();
  if (root < 0) {
    perror("bare_tracer: fork");
    return 125;
  }
  if (root == 0) {
    if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0) {
      perror("bare_tracer: PTRACE_TRACEME");
      _exit(125);
    }
    raise(SIGSTOP); /* let the parent set options before anything interesting happens */
    if (use_seccomp) install_filter(nrs, n_nrs);
    execvp(cmd[0], cmd);
    _exit(errno == ENOENT ? 127 : 126);
  }

  int status;
  if (waitpid(root, &status, 0) != root || !WIFSTOPPED(status)) {
    fprintf(stderr, "bare_tracer: child did not stop\n");
    return 125;
  }
  long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
              PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
  if (use_seccomp) opts |= PTRACE_O_TRACESECCOMP;
  if (ptrace(PTRACE_SETOPTIONS, root, 0, (void *)opts) != 0) {
    perror("bare_tracer: PTRACE_SETOPTIONS");
    return 125;
  }
  const int resume = use_seccomp ? PTRACE_CONT : PTRACE_SYSCALL;
  ptrace(resume, root, 0, 0);

  unsigned long long stops = 0;
  int mem_fd = -1;
  pid_t mem_pid = 0;
  int exit_code = 0, live = 1;
  while (live > 0) {
    pid_t pid = waitpid(-1, &status, __WALL);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break; /* ECHILD: nothing left */
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      live--;
      if (pid == root) exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      continue;
    }
    if (!WIFSTOPPED(status)) continue;
    stops++;
    int sig = WSTOPSIG(status);
    int event = status >> 16;
    int inject = 0;
    if (sig == (SIGTRAP | 0x80)) {
      /* syscall entry or exit stop */
    } else if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK ||
               event == PTRACE_EVENT_CLONE) {
      live++; /* the new tracee arrives with its own SIGSTOP; resumed below when it shows */
    } else if (event == PTRACE_EVENT_SECCOMP && read_args) {
      struct ptrace_syscall_info info;
      if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof info, &info) > 0 &&
          info.op == PTRACE_SYSCALL_INFO_SECCOMP && info.seccomp.nr == SYS_openat) {
        char path[4096];
        if (read_args == 2) {
          if (pid != mem_pid) { /* a one-entry cache is enough for the bench workloads */
            char name[64];
            if (mem_fd >= 0) close(mem_fd);
            snprintf(name, sizeof name, "/proc/%d/mem", (int)pid);
            mem_fd = open(name, O_RDONLY | O_CLOEXEC);
            mem_pid = pid;
          }
          if (pread(mem_fd, path, 256, (off_t)info.seccomp.args[1]) < 0) path[0] = 0;
        } else {
          struct iovec local = {path, 256}, remote = {(void *)info.seccomp.args[1], 256};
          if (process_vm_readv(pid, &local, 1, &remote, 1, 0) < 0) path[0] = 0;
        }
      }
    } else if (event == PTRACE_EVENT_EXEC || event == PTRACE_EVENT_SECCOMP) {
      /* nothing to decide: resume */
    } else if (event == PTRACE_EVENT_STOP) {
      /* group-stop under SEIZE; not used with TRACEME */
    } else if (sig == SIGSTOP) {
      /* the auto-attach stop of a new child (good enough for benchmarks; a real tracer
       * tells it apart from a genuine SIGSTOP) */
    } else {
      inject = sig;
    }
    ptrace(resume, pid, 0, (void *)(long)inject);
  }
  if (count) fprintf(stderr, "bare_tracer: %llu stops\n", stops);
  return exit_code;
}
