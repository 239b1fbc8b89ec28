/* Enforcement libxpledge does by itself when no supervisor answers: a seccomp filter for the
 * promises (standalone_pledge.c) and a Landlock domain for unveiled paths (standalone_unveil.c).
 * Internal to the library: nothing here is exported. */
#ifndef XPLEDGE_STANDALONE_H
#define XPLEDGE_STANDALONE_H

#include <stddef.h>
#include <stdint.h>

/* Bits of xpledge_set_mode() / the environment (XPLEDGE_REQUIRE_SUPERVISOR=1,
 * XPLEDGE_VIOLATION=kill), combined. */
unsigned xp_mode(void);

/* Parses space/tab separated promise names as the supervisor's catalogue does (case-sensitive,
 * unknown name -> -1). */
int xp_parse_promises(const char *text, uint64_t *set);
/* Bit of a promise name in a set, or 0 if the catalogue has no such name. */
uint64_t xp_promise_bit(const char *name);

/* Builds the BPF program for `set` into `out` (at most `cap` instructions, struct sock_filter
 * each); returns the number of instructions, or -1 if it does not fit. `self_pid` is the value
 * of `in: [self]` tests. Pure: no system call. */
struct sock_filter;
long xp_build_filter(uint64_t set, int kill_on_violation, int32_t self_pid,
                     struct sock_filter *out, size_t cap);

int xp_standalone_pledge(const char *promises, const char *execpromises);

/* Unveil state. */
int xp_standalone_unveil(const char *path, const char *permissions);
int xp_unveil_pending(void);  /* 1 if paths were unveiled and the domain is not applied yet */
int xp_unveil_lock(void);     /* applies the pending domain (if any) and refuses further calls */

#endif
