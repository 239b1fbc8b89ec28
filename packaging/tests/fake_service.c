/* fake_service: a stand-in for a systemd service, run under `xpledge run` by the packaging
 * tests (systemd_service.py, package_deb.sh). It does one thing per mode and says what it saw on
 * stdout, one line per fact, so a test can compare lines.
 *
 *   env               print pid=, ppid= and the systemd variables (LISTEN_PID, LISTEN_FDS,
 *                     WATCHDOG_PID, NOTIFY_SOCKET) and whether fd 3 is open
 *   wait CODE|default SIGHUP and SIGUSR1 print "caught SIGHUP"/"caught SIGUSR1" and go on (a
 *                     reload); SIGTERM and SIGINT print "caught SIGTERM"/"caught SIGINT" and
 *                     _exit(CODE), or with "default" keep the default action (death by the
 *                     signal). Prints "ready" once the handlers are in place, then waits.
 *   notify MESSAGE    send MESSAGE (e.g. "READY=1") to $NOTIFY_SOCKET as sd_notify(3) does
 *                     ('@' = abstract namespace); print "sent" or the error
 *   listen            socket activation as sd_listen_fds(3) checks it: LISTEN_PID must be our
 *                     pid and LISTEN_FDS 1; accept one connection on fd 3 and answer
 *                     "hello from pid N"
 *   umount PATH       umount2(PATH, 0), a call the default policy denies and that changes
 *                     nothing when PATH does not exist; print "umount2 = RC ERRNO"
 *
 * Built without sanitizers: its syscalls must be exactly the ones written here. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int exit_code_on_stop = -1; /* -1: default action */

static void say_signal(const char *line) { (void)!write(STDOUT_FILENO, line, strlen(line)); }

static void on_reload(int sig) {
  say_signal(sig == SIGHUP ? "caught SIGHUP\n" : "caught SIGUSR1\n");
}

static void on_stop(int sig) {
  say_signal(sig == SIGTERM ? "caught SIGTERM\n" : "caught SIGINT\n");
  _exit(exit_code_on_stop);
}

static const char *env_or(const char *name, const char *fallback) {
  const char *v = getenv(name);
  return v ? v : fallback;
}

static int mode_env(void) {
  printf("pid=%d\nppid=%d\n", (int)getpid(), (int)getppid());
  printf("LISTEN_PID=%s\n", env_or("LISTEN_PID", "<unset>"));
  printf("LISTEN_FDS=%s\n", env_or("LISTEN_FDS", "<unset>"));
  printf("WATCHDOG_PID=%s\n", env_or("WATCHDOG_PID", "<unset>"));
  printf("NOTIFY_SOCKET=%s\n", env_or("NOTIFY_SOCKET", "<unset>"));
  printf("fd3=%s\n", fcntl(3, F_GETFD) == -1 ? "closed" : "open");
  return 0;
}

static int mode_wait(const char *code) {
  if (strcmp(code, "default") != 0) exit_code_on_stop = atoi(code);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = on_reload;
  sigaction(SIGHUP, &sa, NULL);
  sigaction(SIGUSR1, &sa, NULL);
  if (exit_code_on_stop >= 0) {
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
  }
  printf("ready\n");
  fflush(stdout);
  for (;;) pause(); /* until a stop signal ends us */
  return 0;
}

static int mode_notify(const char *message) {
  const char *path = getenv("NOTIFY_SOCKET");
  if (!path || !*path) {
    printf("NOTIFY_SOCKET is not set\n");
    return 2;
  }
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  const size_t len = strlen(path);
  if (len >= sizeof sa.sun_path) {
    printf("NOTIFY_SOCKET is too long\n");
    return 2;
  }
  memcpy(sa.sun_path, path, len);
  if (sa.sun_path[0] == '@') sa.sun_path[0] = '\0';
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    printf("socket: %s\n", strerror(errno));
    return 1;
  }
  const socklen_t sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
  if (sendto(fd, message, strlen(message), MSG_NOSIGNAL, (struct sockaddr *)&sa, sl) < 0) {
    printf("sendto: %s\n", strerror(errno));
    return 1;
  }
  close(fd);
  printf("sent\n");
  return 0;
}

static int mode_listen(void) {
  char me[32];
  snprintf(me, sizeof me, "%d", (int)getpid());
  const char *lp = getenv("LISTEN_PID"), *lf = getenv("LISTEN_FDS");
  if (!lp || strcmp(lp, me) != 0) {
    printf("LISTEN_PID=%s is not our pid %s: sd_listen_fds() would ignore the sockets\n",
           lp ? lp : "<unset>", me);
    return 3;
  }
  if (!lf || strcmp(lf, "1") != 0) {
    printf("LISTEN_FDS=%s, expected 1\n", lf ? lf : "<unset>");
    return 3;
  }
  const int conn = accept4(3, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0) {
    printf("accept4(3): %s\n", strerror(errno));
    return 1;
  }
  char reply[64];
  const int n = snprintf(reply, sizeof reply, "hello from pid %s\n", me);
  (void)!write(conn, reply, (size_t)n);
  close(conn);
  printf("answered\n");
  return 0;
}

static int mode_umount(const char *path) {
  errno = 0;
  const int rc = umount2(path, 0);
  const int err = errno;
  printf("umount2 = %d %s\n", rc, rc == 0 ? "OK" : strerrorname_np(err));
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc == 2 && strcmp(argv[1], "env") == 0) return mode_env();
  if (argc == 3 && strcmp(argv[1], "wait") == 0) return mode_wait(argv[2]);
  if (argc == 3 && strcmp(argv[1], "notify") == 0) return mode_notify(argv[2]);
  if (argc == 2 && strcmp(argv[1], "listen") == 0) return mode_listen();
  if (argc == 3 && strcmp(argv[1], "umount") == 0) return mode_umount(argv[2]);
  fprintf(stderr, "usage: fake_service env | wait CODE|default | notify MESSAGE | listen | "
                  "umount PATH\n");
  return 2;
}
