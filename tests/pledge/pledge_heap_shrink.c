/* pledge_heap_shrink: glibc's malloc opens /proc/sys/vm/overcommit_memory the first time it
 * shrinks a thread's heap, a moment the program does not choose. With "pledge" as argv[1] the
 * main thread pledges "stdio" first; then a thread fills its arena with blocks under the mmap
 * threshold and frees them, which trims the heap.
 *
 * Exit status: 0 done; 2 xpledge failed; 3 a thread could not be created or joined. */
#include "victim.h"

#include <pthread.h>
#include <stdlib.h>
#include <xpledge.h>

enum { blocks = 256, block_size = 64 * 1024 };

static void *fill_and_free(void *unused) {
  (void)unused;
  static void *p[blocks];
  for (int i = 0; i < blocks; i++) {
    p[i] = malloc(block_size);
    if (p[i]) memset(p[i], 1, block_size);
  }
  for (int i = blocks - 1; i >= 0; i--) free(p[i]);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "pledge") == 0) {
    int r = xpledge("stdio", NULL);
    say("xpledge(\"stdio\", NULL) = %d", r);
    if (r != 0) return 2;
  }
  pthread_t t;
  if (pthread_create(&t, NULL, fill_and_free, NULL) != 0) return 3;
  if (pthread_join(t, NULL) != 0) return 3;
  say("heap trimmed");
  return 0;
}
