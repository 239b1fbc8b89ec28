/* xpledge.h - pledge(2) for Linux programs running under the xpledge supervisor.
 *
 * Link with -lxpledge (libxpledge.so or libxpledge.a). Plain C, usable from C++.
 *
 *   if (xpledge("stdio rpath", NULL) == -1 && errno != ENOSYS)
 *     err(1, "xpledge");
 *
 * Promise names and what each allows: run `xpledge promises`. */
#ifndef XPLEDGE_H
#define XPLEDGE_H

#ifdef __cplusplus
extern "C" {
#endif

/* The system call number the supervisor intercepts. No Linux kernel uses it, so without a
 * supervisor the kernel fails it with ENOSYS. */
#define XPLEDGE_SYS_xpledge 10000

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
 *   EINVAL  a promise name is unknown or the string is malformed;
 *   EFAULT  a pointer is not readable;
 *   ENOSYS  the process is not running under `xpledge run` (nothing was restricted). */
XPLEDGE_API int xpledge(const char *promises, const char *execpromises);

/* Returns 1 if the process runs under an xpledge supervisor that implements xpledge(), else 0.
 * Changes nothing and preserves errno. */
XPLEDGE_API int xpledge_supported(void);

#ifdef __cplusplus
}
#endif

#endif /* XPLEDGE_H */
