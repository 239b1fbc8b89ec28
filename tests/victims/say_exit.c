// say_exit N: print "say_exit pid=<pid> code=N" and exit N. A target for exec tests.
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int code = argc > 1 ? atoi(argv[1]) : 0;
  printf("say_exit pid=%d code=%d\n", (int)getpid(), code);
  return code;
}
