// int80_open PATH: from this 64-bit process, make the i386 syscall open(PATH, O_RDONLY) with
// `int $0x80` (eax = 5, the i386 number of open; on x86-64, 5 is fstat). The kernel checks the
// call against the i386 table. Prints "pid=<pid> int80 open ret=<eax as a signed int>": an fd,
// or -errno. The path is copied below 2 GiB (MAP_32BIT) since i386 pointers are 32-bit.
// No stdio: the only syscalls after start-up are this one, write and close.
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv) {
  char buf[256];
  if (argc != 2 || strlen(argv[1]) >= 4096) {
    int n = snprintf(buf, sizeof buf, "usage: int80_open PATH\n");
    (void)!write(STDERR_FILENO, buf, (size_t)n);
    return 2;
  }
  char *low = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
                   -1, 0);
  if (low == MAP_FAILED) return 1;
  strcpy(low, argv[1]);
  long ret;
  __asm__ volatile("int $0x80"
                   : "=a"(ret)
                   : "a"(5L), "b"((long)(unsigned long)low), "c"(0L), "d"(0L)
                   : "r8", "r9", "r10", "r11", "memory", "cc");
  int r = (int)ret;  // an i386 program sees eax only
  int n = snprintf(buf, sizeof buf, "pid=%d int80 open ret=%d\n", (int)getpid(), r);
  (void)!write(STDOUT_FILENO, buf, (size_t)n);
  if (r >= 0) close(r);
  return 0;
}
