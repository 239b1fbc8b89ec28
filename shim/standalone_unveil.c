/* xunveil() with no supervisor: a Landlock ruleset gathers one rule per unveiled path and is
 * applied (the process enters the domain) at the lock: xunveil(NULL, NULL), or the first
 * xpledge() whose promises drop `unveil`. Until then nothing is hidden, as on OpenBSD, where
 * the hiding starts at the first unveil() but a program normally unveils everything it needs
 * before touching files.
 *
 * Landlock grants by subtree and by union, so what it cannot say is reported, not faked: a
 * path that does not exist yet cannot be unveiled (ENOENT; OpenBSD remembers the name), ""
 * cannot hide a path inside an unveiled directory, and a refused access is EACCES where
 * OpenBSD says ENOENT for a path outside every unveiled one. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "standalone.h"

/* Rights newer than this system's <linux/landlock.h>, with the kernel's values. */
#define XP_LL_TRUNCATE (1ull << 14)  /* ABI 3 */
#define XP_LL_IOCTL_DEV (1ull << 15) /* ABI 5 */
#define XP_LL_FILE_RIGHTS                                                                    \
  (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE | \
   XP_LL_TRUNCATE | XP_LL_IOCTL_DEV)
#define XP_LL_CREATE                                                                           \
  (LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |                            \
   LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |   \
   LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK | \
   LANDLOCK_ACCESS_FS_MAKE_SYM | LANDLOCK_ACCESS_FS_REFER)

enum unveil_state { kNone, kPending, kLocked };
static enum unveil_state g_state = kNone;
static int g_ruleset = -1;
static uint64_t g_handled;

/* Every filesystem right the running kernel's Landlock knows: all of them are refused unless
 * a rule grants them. */
static uint64_t handled_for_abi(long abi) {
  uint64_t h = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
               LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR | XP_LL_CREATE;
  if (abi < 2) h &= ~(uint64_t)LANDLOCK_ACCESS_FS_REFER;
  if (abi >= 3) h |= XP_LL_TRUNCATE;
  if (abi >= 5) h |= XP_LL_IOCTL_DEV;
  return h;
}

/* OpenBSD letters -> Landlock rights; -1 for anything else. */
static int parse_permissions(const char *p, uint64_t *rights) {
  uint64_t r = 0;
  for (; *p; ++p) {
    switch (*p) {
      case 'r': r |= LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR | XP_LL_IOCTL_DEV; break;
      case 'w': r |= LANDLOCK_ACCESS_FS_WRITE_FILE | XP_LL_TRUNCATE | XP_LL_IOCTL_DEV; break;
      case 'x': r |= LANDLOCK_ACCESS_FS_EXECUTE; break;
      case 'c': r |= XP_LL_CREATE; break;
      default: return -1;
    }
  }
  *rights = r;
  return 0;
}

static int start_ruleset(void) {
  long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  if (abi < 1) return -1; /* ENOSYS / EOPNOTSUPP: no Landlock, nothing can be hidden */
  struct landlock_ruleset_attr attr;
  memset(&attr, 0, sizeof attr);
  g_handled = handled_for_abi(abi);
  attr.handled_access_fs = g_handled;
  long fd = syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
  if (fd < 0) return -1;
  g_ruleset = (int)fd;
  g_state = kPending;
  return 0;
}

int xp_unveil_pending(void) { return g_state == kPending; }

/* Landlock domains bind the calling thread and the threads it creates later; without TSYNC
 * (ABI < 8) a thread started earlier would stay outside. Refuse rather than pretend. */
static int other_threads_running(void) {
  FILE *f = fopen("/proc/self/status", "re");
  if (!f) return 0; /* cannot tell (no /proc, or pledged without rpath): the caller's word */
  char line[128];
  long threads = 1;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "Threads: %ld", &threads) == 1) break;
  fclose(f);
  return threads > 1;
}

int xp_unveil_lock(void) {
  if (g_state == kPending) {
    if (other_threads_running()) {
      errno = EBUSY;
      return -1;
    }
    (void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); /* landlock_restrict_self says if it matters */
    if (syscall(SYS_landlock_restrict_self, g_ruleset, 0) != 0) return -1;
    close(g_ruleset);
    g_ruleset = -1;
  }
  g_state = kLocked;
  return 0;
}

int xp_standalone_unveil(const char *path, const char *permissions) {
  if (g_state == kLocked) {
    errno = EPERM;
    return -1;
  }
  if (!path && !permissions) return xp_unveil_lock();
  uint64_t rights = 0;
  if (!path || !permissions || parse_permissions(permissions, &rights) != 0) {
    errno = EINVAL;
    return -1;
  }
  if (g_state == kNone && start_ruleset() != 0) return -1;
  /* The path as it resolves now: relative to the cwd at the call, symlinks followed. */
  int fd = open(path, O_PATH | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) rights &= XP_LL_FILE_RIGHTS; /* Landlock refuses others on files */
  rights &= g_handled;
  if (rights == 0) { /* "": grant nothing; the path stays hidden unless a parent is unveiled */
    close(fd);
    return 0;
  }
  struct landlock_path_beneath_attr rule = {.allowed_access = rights, .parent_fd = fd};
  long rc = syscall(SYS_landlock_add_rule, g_ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
  int saved = errno;
  close(fd);
  errno = saved;
  return rc == 0 ? 0 : -1;
}
