// scratch_peek: another local user reads the paths a sandboxed program opens, by attaching the
// supervisor's path scratch segment (System V shm, docs/SECURITY.md "Path-argument races").
//   scratch_peek hold DIR      under xpledge: opens DIR/allowed (a path-checked call, so this
//                              image attaches the segment), creates DIR/ready, and waits until
//                              DIR/done exists (at most 30 s)
//   scratch_peek peek SUP_PID  natively, as another user: shmat every segment SUP_PID created,
//                              read-only; attaching one is the bypass
#include "attack.h"

#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <time.h>

static int hold(const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/allowed", dir);
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    setup_error("scratch-hold", "open %s: %s", path, errname(errno));
    return finish();
  }
  close(fd);
  snprintf(path, sizeof path, "%s/ready", dir);
  fd = open(path, O_WRONLY | O_CREAT, 0644);
  if (fd < 0) {
    setup_error("scratch-hold", "create %s: %s", path, errname(errno));
    return finish();
  }
  (void)!write(fd, "ready\n", 6);  // wait_for_file waits for a non-empty file
  close(fd);
  snprintf(path, sizeof path, "%s/done", dir);
  struct stat st;
  for (int i = 0; i < 3000 && stat(path, &st) != 0; i++) {
    const struct timespec tick = {0, 10 * 1000 * 1000};
    nanosleep(&tick, NULL);
  }
  ok("scratch-hold", "held the attachment");
  return finish();
}

static int peek(long sup) {
  FILE *f = fopen("/proc/sysvipc/shm", "r");
  if (!f) {
    setup_error("scratch-peek", "/proc/sysvipc/shm: %s", errname(errno));
    return finish();
  }
  char line[512];
  int seen = 0;
  if (!fgets(line, sizeof line, f)) line[0] = 0;  // the header
  while (fgets(line, sizeof line, f)) {
    long key, id, perms, size, cpid;
    if (sscanf(line, "%ld %ld %lo %ld %ld", &key, &id, &perms, &size, &cpid) != 5) continue;
    if (cpid != sup) continue;
    seen++;
    void *p = shmat((int)id, NULL, SHM_RDONLY);
    if (p != (void *)-1) {
      // Slot 0 of the first thread holds the last path it opened.
      bypass("scratch-peek", "attached segment %ld (mode %lo) as uid %d; it reads \"%.60s\"", id,
             perms, (int)geteuid(), (const char *)p);
      shmdt(p);
    } else if (errno == EACCES) {
      ok("scratch-peek", "segment %ld mode %lo: errno=EACCES", id, perms);
    } else {
      setup_error("scratch-peek", "shmat(%ld): %s", id, errname(errno));
    }
  }
  fclose(f);
  if (!seen) setup_error("scratch-peek", "no segment created by pid %ld", sup);
  return finish();
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "hold") == 0) return hold(argv[2]);
  if (argc == 3 && strcmp(argv[1], "peek") == 0) return peek(strtol(argv[2], NULL, 10));
  say(2, "usage: scratch_peek hold DIR | peek SUPERVISOR_PID\n");
  return 2;
}
