/* getppid_loop [--pledge P] N: N raw getppid calls (the cheapest real syscall). */
#include <stdlib.h>
#include <sys/syscall.h>

#include "pledge_note.h"

int main(int argc, char **argv) {
  const char *promises, *execpromises;
  int i = bench_pledge_args(argc, argv, &promises, &execpromises);
  long n = i < argc ? atol(argv[i]) : 1000000;
  bench_narrow(promises, execpromises);
  long sum = 0;
  for (long k = 0; k < n; k++) sum += syscall(SYS_getppid);
  return sum == 0 ? 1 : 0; /* use the result; our parent is never pid 0 */
}
