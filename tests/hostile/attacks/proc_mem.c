// proc_mem: reach into the supervisor's memory without ptrace: open /proc/SUP/mem (read, write,
// read-write; also through /proc/SUP/task/SUP/mem), process_vm_readv/writev, and its open files
// through the links in /proc/SUP/fd (reopening or reading one is the bypass). The supervisor is
// non-dumpable, so the kernel refuses all of this to a same-uid tracee without CAP_SYS_PTRACE,
// and the tracee's Landlock domain refuses it to any tracee, root included (the default policy
// also denies process_vm_*).
// Nothing is ever written: a successful open is the bypass; process_vm_* aim at address 1, so
// an allowed call fails with EFAULT (the permission check comes first: any other errno = held).
#include "attack.h"

#include <dirent.h>
#include <sys/uio.h>

static void try_open(const char *name, const char *path, int flags) {
  errno = 0;
  int fd = open(path, flags | O_CLOEXEC);
  int err = errno;
  if (fd >= 0) {
    close(fd);
    bypass(name, "opened %s", path);
  } else {
    ok(name, "errno=%s", errname(err));
  }
}

static void try_vm(const char *name, pid_t sup, int write) {
  char byte = 0;
  struct iovec local = {&byte, 1}, remote = {(void *)1, 1};
  errno = 0;
  long r = write ? process_vm_writev(sup, &local, 1, &remote, 1, 0)
                 : process_vm_readv(sup, &local, 1, &remote, 1, 0);
  int err = errno;
  if (r == -1 && err != EFAULT)
    ok(name, "errno=%s", errname(err));
  else
    bypass(name, "returned %ld errno=%s: the kernel let us at the supervisor's memory", r,
           errname(err));
}

int main(void) {
  const pid_t sup = getppid();
  char path[128];
  snprintf(path, sizeof path, "/proc/%d/mem", (int)sup);
  try_open("proc-mem-read", path, O_RDONLY);
  try_open("proc-mem-write", path, O_WRONLY);
  try_open("proc-mem-readwrite", path, O_RDWR);
  snprintf(path, sizeof path, "/proc/%d/task/%d/mem", (int)sup, (int)sup);
  try_open("proc-task-mem-readwrite", path, O_RDWR);
  try_vm("process-vm-readv", sup, 0);
  try_vm("process-vm-writev", sup, 1);
  // Its files: listing /proc/SUP/fd needs only read permission on the directory (root has it
  // whatever the supervisor does) and shows numbers; the files themselves are reached by
  // opening or reading the links, which needs ptrace access to the supervisor.
  snprintf(path, sizeof path, "/proc/%d/fd", (int)sup);
  errno = 0;
  DIR *d = opendir(path);
  int err = errno;
  if (!d) {
    ok("proc-fd-list", "errno=%s", errname(err));
    return finish();
  }
  int entries = 0, reached = 0, last_err = 0;
  char reached_path[sizeof path + 260] = "";
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    char entry[sizeof path + 260], target[256];
    snprintf(entry, sizeof entry, "%s/%s", path, e->d_name);
    entries++;
    errno = 0;
    int fd = open(entry, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd >= 0) close(fd);
    int open_err = errno;
    errno = 0;
    ssize_t n = readlink(entry, target, sizeof target - 1);
    if (fd >= 0 || n >= 0) {
      reached++;
      snprintf(reached_path, sizeof reached_path, "%s", entry);
    } else {
      last_err = open_err;
    }
  }
  closedir(d);
  if (reached)
    bypass("proc-fd-list", "reopened or read %d of %d links in %s (e.g. %s)", reached, entries,
           path, reached_path);
  else
    ok("proc-fd-list", "listed %d numbers in %s, but every link refused: errno=%s", entries,
       path, errname(last_err));
  return finish();
}
