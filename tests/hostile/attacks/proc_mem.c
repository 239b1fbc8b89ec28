// proc_mem: reach into the supervisor's memory without ptrace: open /proc/SUP/mem (read, write,
// read-write; also through /proc/SUP/task/SUP/mem), process_vm_readv/writev, and its open files
// through /proc/SUP/fd. The supervisor is non-dumpable, so the kernel refuses all of this to a
// same-uid tracee without CAP_SYS_PTRACE (and the default policy denies process_vm_*).
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
  snprintf(path, sizeof path, "/proc/%d/fd", (int)sup);
  errno = 0;
  DIR *d = opendir(path);
  int err = errno;
  if (d) {
    closedir(d);
    bypass("proc-fd-list", "listed %s (its files are open to us)", path);
  } else {
    ok("proc-fd-list", "errno=%s", errname(err));
  }
  return finish();
}
