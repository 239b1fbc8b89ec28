// nest_rseq_stage2: the image nest_rseq execs (built static, without libc: its first system call
// is the one below, nothing of a libc start-up before it): listen(100, 1) on the TCP socket its
// parent left at fd 100; exit 42 if it worked (the execpromises "stdio" forbid it), 43 if not.
// Built with -nostdlib -static (tests/hostile/CMakeLists.txt: *_stage2).
static long sys3(long nr, long a, long b, long c) {
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return r;
}
void _start(void) {
  long fd = sys3(50 /* listen */, 100, 1, 0);
  if (fd == 0) fd = 1;
  static const char yes[] = "# stage2: listen(100) succeeded\n";
  static const char no[] = "# stage2: listen(100) refused\n";
  if (fd >= 0) sys3(1, 1, (long)yes, sizeof yes - 1);
  else sys3(1, 1, (long)no, sizeof no - 1);
  sys3(231 /* exit_group */, fd >= 0 ? 42 : 43, 0, 0);
  for (;;) {}
}
