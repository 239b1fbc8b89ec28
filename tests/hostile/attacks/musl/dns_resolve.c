// musl's resolver under "stdio dns": getaddrinfo(NAME, AF_UNSPEC) against the test's nameserver.
// Built by test_dns_addr.sh with musl-gcc when it is installed (not by CMake: another libc), as
// a static program. musl binds its socket to the unspecified address, port 0, then sends each
// query with sendto to each nameserver.
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SYS_xpledge 10000

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  if (syscall(SYS_xpledge, "stdio dns", NULL) != 0) {
    printf("ERROR musl-resolve: xpledge failed\n");
    return 2;
  }
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res;
  int r = getaddrinfo(argv[1], "53", &hints, &res);
  if (r != 0) {
    printf("BYPASS musl-resolve: getaddrinfo(%s): %s (the resolver refused)\n", argv[1],
           gai_strerror(r));
    return 1;
  }
  char text[INET_ADDRSTRLEN] = "?";
  for (struct addrinfo *a = res; a; a = a->ai_next)
    if (a->ai_family == AF_INET)
      inet_ntop(AF_INET, &((struct sockaddr_in *)a->ai_addr)->sin_addr, text, sizeof text);
  printf("ok musl-resolve: %s is %s\n", argv[1], text);
  return 0;
}
