/* xpledge.h - pledge(2) and unveil(2) for Linux programs.
 *
 * Link with -lxpledge (libxpledge.so or libxpledge.a). Plain C, usable from C++.
 *
 *   if (xunveil("/etc/ssl", "r") == -1 || xunveil(NULL, NULL) == -1)
 *     err(1, "xunveil");
 *   if (xpledge("stdio rpath", NULL) == -1)
 *     err(1, "xpledge");
 *
 * Under `xpledge run` the supervisor enforces both with its full semantics. Without it the
 * library enforces them in the kernel itself (a seccomp filter, a Landlock domain), with the
 * differences docs/pledge.md lists, unless XPLEDGE_REQUIRE_SUPERVISOR is set; then both fail
 * with ENOSYS and change nothing. Promise names: run `xpledge promises`.
 *
 * Porters who want OpenBSD's names: #include <xpledge_openbsd.h>. */
#ifndef XPLEDGE_H
#define XPLEDGE_H

#ifdef __cplusplus
extern "C" {
#endif

/* The system call numbers the supervisor intercepts. No Linux kernel uses them, so without a
 * supervisor the kernel fails them with ENOSYS. */
#define XPLEDGE_SYS_xpledge 10000
#define XPLEDGE_SYS_xunveil 10001

#if defined(XPLEDGE_BUILDING) && defined(__GNUC__)
#define XPLEDGE_API __attribute__((visibility("default")))
#else
#define XPLEDGE_API
#endif

/* Restrict the calling process (all its threads, and children it forks later) to `promises`,
 * a space-separated list such as "stdio rpath inet". `execpromises` is the set a program
 * started by execve() gets. Either may be NULL to leave that set unchanged. A set can only
 * shrink: naming a promise not currently held is an error.
 *
 * Returns 0 on success, or -1 with errno set:
 *   EPERM   the call would widen the current promises (or execpromises);
 *   EINVAL  a promise name is unknown or the string is malformed; without a supervisor also
 *           execpromises narrower than the promises (filters survive exec: not enforceable);
 *   EFAULT  a pointer is not readable (supervised);
 *   ENOSYS  no supervisor and XPLEDGE_REQUIRE_SUPERVISOR: nothing was restricted;
 *   EBUSY   the promises drop `unveil` and paths unveiled through Landlock cannot be locked
 *           while other threads run (see xunveil);
 *   E2BIG, or seccomp(2)'s errno: without a supervisor, the filter could not be installed. */
XPLEDGE_API int xpledge(const char *promises, const char *execpromises);

/* OpenBSD unveil(2): make `path` (and, for a directory, everything under it) visible with
 * `permissions`, letters of "rwxc" (read, write, execute, create/remove); "" grants nothing.
 * The first call hides everything not unveiled; xunveil(NULL, NULL), or an xpledge() whose
 * promises do not keep `unveil`, locks: later calls fail with EPERM. Relative paths are
 * relative to the working directory at the call.
 *
 * Under `xpledge run --no-seccomp` the supervisor enforces it (OpenBSD's ENOENT/EACCES, dropped
 * at exec); otherwise a Landlock domain does (EACCES, kept across exec), see docs/pledge.md.
 *
 * Returns 0, or -1 with errno: EPERM locked; EINVAL bad permissions; E2BIG too many paths
 * (supervised); ENOENT the path does not exist (Landlock needs it to exist); EBUSY other
 * threads already run at the lock (the Landlock domain would not reach them); ENOSYS no
 * Landlock in this kernel, or XPLEDGE_REQUIRE_SUPERVISOR and no supervisor services it
 * (none, or one in seccomp mode). */
XPLEDGE_API int xunveil(const char *path, const char *permissions);

/* Returns 1 if the process runs under an xpledge supervisor that implements xpledge(), else 0.
 * Changes nothing and preserves errno. */
XPLEDGE_API int xpledge_supported(void);

/* Flags for xpledge_set_mode(); the environment can add them too: XPLEDGE_REQUIRE_SUPERVISOR=1
 * and XPLEDGE_VIOLATION=kill. */
#define XPLEDGE_REQUIRE_SUPERVISOR 1u /* no supervisor: fail with ENOSYS, install nothing */
#define XPLEDGE_KILL_ON_VIOLATION 2u  /* without a supervisor a violation kills the process
                                         (SIGSYS) instead of failing with EPERM */
/* Returns 0, or -1/EINVAL for an unknown flag. Applies to the calls made after it. */
XPLEDGE_API int xpledge_set_mode(unsigned flags);

#ifdef __cplusplus
}
#endif

#endif /* XPLEDGE_H */
