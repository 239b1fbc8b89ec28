/* xpledge() with no supervisor: a seccomp filter compiled from the supervisor's promise
 * catalogue (the table xpledge_gen_shim_promises writes at build time, never a copy by hand).
 *
 * What the kernel can check without a supervisor is register arguments: promise entries with
 * path limits (stdio's /dev/null, dns's resolver files, tmppath) are left out, open classes
 * become flag tests, and `in: [self]` is the pid of the process that pledged. Each call stacks
 * one more filter; the kernel runs them all and the strictest answer wins, so a second call
 * can only narrow, whatever this file's memory says. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "standalone.h"
#include "xpledge.h"

struct xp_test {
  unsigned char arg, at_most, self;
  unsigned long long mask, value;
};
struct xp_alt {
  unsigned first, count;
};
struct xp_grant {
  int nr;
  unsigned char promise, unconditional;
  unsigned first_alt, alt_count;
};
#include "xpledge_promise_table.h"

#define XP_MAX_PROMISE_STRING 1024 /* as the supervisor: longer -> EINVAL */
#define XP_X32_BIT 0x40000000u

uint64_t xp_promise_bit(const char *name) {
  for (unsigned i = 0; i < XP_PROMISE_COUNT; ++i)
    if (strcmp(xp_promise_names[i], name) == 0) return 1ull << i;
  return 0;
}

int xp_parse_promises(const char *text, uint64_t *set) {
  size_t len = strnlen(text, XP_MAX_PROMISE_STRING + 1);
  if (len > XP_MAX_PROMISE_STRING) return -1;
  uint64_t out = 0;
  size_t i = 0;
  while (i < len) {
    if (text[i] == ' ' || text[i] == '\t') {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < len && text[j] != ' ' && text[j] != '\t') ++j;
    char word[64];
    if (j - i >= sizeof word) return -1;
    memcpy(word, text + i, j - i);
    word[j - i] = '\0';
    uint64_t bit = xp_promise_bit(word);
    if (!bit) return -1;
    out |= bit;
    i = j;
  }
  *set = out;
  return 0;
}

/* ---- the BPF program ----------------------------------------------------------------------- */

struct emitter {
  struct sock_filter *out; /* NULL: count only */
  size_t cap, n;
  int too_far;             /* a conditional jump needed more than 255 */
};

static void put(struct emitter *e, unsigned short code, size_t jt, size_t jf, uint32_t k) {
  if (e->out && (jt > 255 || jf > 255)) e->too_far = 1; /* counting runs see junk offsets */
  if (e->out && e->n < e->cap) {
    struct sock_filter f = {code, (unsigned char)jt, (unsigned char)jf, k};
    e->out[e->n] = f;
  }
  ++e->n;
}

/* Offset of a jump at the next instruction to `target`. */
static size_t to(const struct emitter *e, size_t target) { return target - (e->n + 1); }

#define ARG_LO(i) ((uint32_t)(offsetof(struct seccomp_data, args) + 8 * (i)))
#define ARG_HI(i) (ARG_LO(i) + 4)
#define LOAD(off) (BPF_LD | BPF_W | BPF_ABS), 0, 0, (off)

/* Does the test ever hold? (value bits outside the mask never match) */
static int test_possible(uint64_t mask, uint64_t value) { return (value & ~mask) == 0; }

/* A conjunction of tests; jumps to `fail` when a test does not hold, falls through when all
 * do. 64-bit comparisons, as the catalogue's cond_holds. */
static void emit_tests(struct emitter *e, const struct xp_test *tests, unsigned count,
                       uint64_t self, size_t fail) {
  for (unsigned t = 0; t < count; ++t) {
    const struct xp_test *x = &tests[t];
    uint64_t value = x->self ? self : x->value;
    if (x->at_most) {
      put(e, LOAD(ARG_HI(x->arg)));
      put(e, BPF_JMP | BPF_JGT | BPF_K, to(e, fail), 0, (uint32_t)(value >> 32));
      put(e, BPF_JMP | BPF_JEQ | BPF_K, 0, 2, (uint32_t)(value >> 32));
      put(e, LOAD(ARG_LO(x->arg)));
      put(e, BPF_JMP | BPF_JGT | BPF_K, to(e, fail), 0, (uint32_t)value);
      continue;
    }
    for (int half = 0; half < 2; ++half) {
      uint32_t m = (uint32_t)(half ? x->mask >> 32 : x->mask);
      uint32_t v = (uint32_t)(half ? value >> 32 : value);
      if (m == 0) continue;
      put(e, LOAD(half ? ARG_HI(x->arg) : ARG_LO(x->arg)));
      if (m != 0xffffffffu) put(e, BPF_ALU | BPF_AND | BPF_K, 0, 0, m);
      put(e, BPF_JMP | BPF_JEQ | BPF_K, 0, to(e, fail), v);
    }
  }
}

/* Tests, then RET allow; `fail` is the instruction after that RET. */
static void emit_alternative(struct emitter *e, const struct xp_test *tests, unsigned count,
                             uint64_t self, uint32_t allow) {
  struct emitter dry = {NULL, 0, e->n, 0};
  emit_tests(&dry, tests, count, self, dry.n);
  emit_tests(e, tests, count, self, dry.n + 1);
  put(e, BPF_RET | BPF_K, 0, 0, allow);
}

static int tests_possible(const struct xp_test *tests, unsigned count, uint64_t self) {
  for (unsigned t = 0; t < count; ++t) {
    const struct xp_test *x = &tests[t];
    if (!x->at_most && !test_possible(x->mask, x->self ? self : x->value)) return 0;
  }
  return 1;
}

/* The body for one call number: ALLOW if any alternative of any granted entry holds. */
static void emit_call(struct emitter *e, size_t first, size_t last, uint64_t set, uint64_t self,
                      uint32_t allow, uint32_t violation) {
  for (size_t g = first; g < last; ++g) {
    const struct xp_grant *gr = &xp_grants[g];
    if (!(set & (1ull << gr->promise))) continue;
    if (gr->unconditional) {
      put(e, BPF_RET | BPF_K, 0, 0, allow);
      return;
    }
  }
  for (size_t g = first; g < last; ++g) {
    const struct xp_grant *gr = &xp_grants[g];
    if (!(set & (1ull << gr->promise))) continue;
    for (unsigned a = 0; a < gr->alt_count; ++a) {
      const struct xp_alt *alt = &xp_alts[gr->first_alt + a];
      if (!tests_possible(&xp_tests[alt->first], alt->count, self)) continue;
      emit_alternative(e, &xp_tests[alt->first], alt->count, self, allow);
    }
  }
  put(e, BPF_RET | BPF_K, 0, 0, violation);
}

/* Our own next narrowing: seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, prog).
 * Letting the program stack filters of its own widens nothing: the strictest answer wins, and
 * a user-notification filter ranks below our ERRNO and KILL. */
static const struct xp_test kSelfNarrowTests[] = {
    {0, 0, 0, ~0ull, SECCOMP_SET_MODE_FILTER},
    {1, 0, 0, ~0ull, SECCOMP_FILTER_FLAG_TSYNC},
};

/* One call number the filter names, and what answers it. */
enum entry_kind { kFixed, kSelfNarrow, kGranted };
struct entry {
  int nr;
  enum entry_kind kind;
  uint32_t ret;        /* kFixed */
  size_t first, last;  /* kGranted: xp_grants[first, last) */
};

struct build {
  uint64_t set, self;
  uint32_t allow, violation;
};

static void emit_body(struct emitter *e, const struct entry *x, const struct build *b) {
  switch (x->kind) {
    case kFixed: put(e, BPF_RET | BPF_K, 0, 0, x->ret); break;
    case kSelfNarrow:
      emit_alternative(e, kSelfNarrowTests, 2, b->self, b->allow);
      put(e, BPF_RET | BPF_K, 0, 0, b->violation);
      break;
    case kGranted: emit_call(e, x->first, x->last, b->set, b->self, b->allow, b->violation); break;
  }
}

/* A binary search on nr (A holds it; bodies load arguments but always return): about eight
 * comparisons to any call instead of a walk through every granted number. */
static void emit_tree(struct emitter *e, const struct entry *v, size_t n, const struct build *b) {
  if (n == 1) {
    put(e, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, (uint32_t)v[0].nr);
    put(e, BPF_RET | BPF_K, 0, 0, b->violation); /* a named call nothing here grants */
    emit_body(e, &v[0], b);
    return;
  }
  size_t half = n / 2;
  struct emitter dry = {NULL, 0, 0, 0};
  emit_tree(&dry, v, half, b);
  put(e, BPF_JMP | BPF_JGE | BPF_K, 0, 1, (uint32_t)v[half].nr);
  put(e, BPF_JMP | BPF_JA, 0, 0, (uint32_t)dry.n); /* nr >= v[half]: over the lower half */
  emit_tree(e, v, half, b);
  emit_tree(e, v + half, n - half, b);
}

static int by_nr(const void *l, const void *r) {
  const struct entry *a = l, *b = r;
  return a->nr < b->nr ? -1 : a->nr > b->nr;
}

long xp_build_filter(uint64_t set, int kill_on_violation, int32_t self_pid,
                     struct sock_filter *out, size_t cap) {
  const uint32_t allow = SECCOMP_RET_ALLOW;
  const uint32_t enosys = SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA);
  const uint32_t violation =
      kill_on_violation ? SECCOMP_RET_KILL_PROCESS : SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA);
  const uint64_t self = (uint64_t)(uint32_t)self_pid;
  struct emitter e = {out, cap, 0, 0};

  /* Other ABIs (i386 int $0x80) and x32 numbers: the table is x86-64's. */
  put(&e, LOAD(offsetof(struct seccomp_data, arch)));
  put(&e, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, AUDIT_ARCH_X86_64);
  put(&e, BPF_RET | BPF_K, 0, 0, violation);
  put(&e, LOAD(offsetof(struct seccomp_data, nr)));
  put(&e, BPF_JMP | BPF_JGE | BPF_K, 0, 1, XP_X32_BIT);
  put(&e, BPF_RET | BPF_K, 0, 0, violation);
  /* Numbers nobody named when this library was built: ENOSYS, as the supervisor answers them,
   * so a program probing a newer kernel's call falls back instead of failing. */
  for (size_t i = 0; xp_unknown_ranges[i][0] >= 0; ++i) {
    put(&e, BPF_JMP | BPF_JGE | BPF_K, 0, 2, (uint32_t)xp_unknown_ranges[i][0]);
    put(&e, BPF_JMP | BPF_JGT | BPF_K, 1, 0, (uint32_t)xp_unknown_ranges[i][1]);
    put(&e, BPF_RET | BPF_K, 0, 0, enosys);
  }
  /* Above the highest named number, libxpledge's own 10000 and 10001 included: ENOSYS as a bare
   * kernel answers, so a later xpledge() and xunveil() still see that nobody supervises. */
  _Static_assert(XP_MAX_KNOWN < XPLEDGE_SYS_xpledge, "a kernel call numbered like ours");
  put(&e, BPF_JMP | BPF_JGT | BPF_K, 0, 1, XP_MAX_KNOWN);
  put(&e, BPF_RET | BPF_K, 0, 0, enosys);

  /* Every named number with an answer of its own, the first listed winning: the always-allowed
   * calls, the enosys ones, our next narrowing, then what the set grants. */
  static const size_t kGrantCount = sizeof xp_grants / sizeof xp_grants[0];
  const size_t cap_entries = kGrantCount + 16 + sizeof xp_always / sizeof xp_always[0] +
                             sizeof xp_enosys / sizeof xp_enosys[0];
  struct entry *v = malloc(cap_entries * sizeof *v);
  if (!v) return -1;
  size_t n = 0;
  for (size_t i = 0; i < sizeof xp_always / sizeof xp_always[0]; ++i)
    v[n++] = (struct entry){xp_always[i], kFixed, allow, 0, 0};
  for (size_t i = 0; i < sizeof xp_enosys / sizeof xp_enosys[0]; ++i)
    v[n++] = (struct entry){xp_enosys[i], kFixed, enosys, 0, 0};
  v[n++] = (struct entry){SYS_seccomp, kSelfNarrow, 0, 0, 0};
  for (size_t g = 0; g < kGrantCount;) {
    size_t end = g;
    uint64_t promises = 0;
    while (end < kGrantCount && xp_grants[end].nr == xp_grants[g].nr)
      promises |= 1ull << xp_grants[end++].promise;
    if (promises & set) v[n++] = (struct entry){xp_grants[g].nr, kGranted, 0, g, end};
    g = end;
  }
  size_t kept = 0;
  for (size_t i = 0; i < n; ++i) {
    int seen = 0;
    for (size_t j = 0; j < kept; ++j) seen |= v[j].nr == v[i].nr;
    if (!seen) v[kept++] = v[i];
  }
  qsort(v, kept, sizeof *v, by_nr);
  const struct build b = {set, self, allow, violation};
  emit_tree(&e, v, kept, &b); /* never empty: seccomp is always there; every leaf returns */
  free(v);
  return e.n <= cap && !e.too_far ? (long)e.n : -1;
}

/* ---- the call ------------------------------------------------------------------------------ */

/* This process image's view; the kernel's stacked filters are the truth (after an exec this
 * memory is new while the filters stay, see docs/pledge.md). */
static uint64_t g_held, g_exec_held;
static int g_pledged, g_exec_set;

static int narrow_to(uint64_t held, int pledged, uint64_t *want) {
  if (!pledged || !(*want & ~held)) return 0;
  if (held & xp_promise_bit("error")) { /* OpenBSD: with `error`, widening is trimmed */
    *want &= held;
    return 0;
  }
  return -1;
}

int xp_standalone_pledge(const char *promises, const char *execpromises) {
  uint64_t want = g_held, ewant = g_exec_held;
  if ((promises && xp_parse_promises(promises, &want) != 0) ||
      (execpromises && xp_parse_promises(execpromises, &ewant) != 0)) {
    errno = EINVAL;
    return -1;
  }
  if ((promises && narrow_to(g_held, g_pledged, &want) != 0) ||
      (execpromises && narrow_to(g_exec_held, g_exec_set, &ewant) != 0)) {
    errno = EPERM;
    return -1;
  }
  /* Filters survive execve: a new image runs under every filter stacked so far. execpromises
   * at least as wide as that are accepted (the image gets less than asked: fails closed);
   * narrower ones cannot be enforced without a supervisor and are refused. */
  if (execpromises) {
    uint64_t image = promises ? want : (g_pledged ? g_held : ~0ull);
    if (image & ~ewant) {
      errno = EINVAL;
      return -1;
    }
  }
  if (promises) {
    enum { kCap = 4096 }; /* BPF_MAXINSNS */
    struct sock_filter *buf = malloc(kCap * sizeof *buf);
    if (!buf) return -1;
    long n = xp_build_filter(want, (xp_mode() & XPLEDGE_KILL_ON_VIOLATION) != 0,
                             (int32_t)getpid(), buf, kCap);
    if (n < 0) {
      free(buf);
      errno = E2BIG;
      return -1;
    }
    struct sock_fprog prog = {(unsigned short)n, buf};
    /* Already set after the first filter (and then maybe refused by it): seccomp says. */
    (void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    /* TSYNC: promises belong to the process, every thread gets the filter or none does. */
    long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
    int saved = errno;
    free(buf);
    if (rc != 0) {
      errno = rc > 0 ? EPERM : saved; /* > 0: a thread with other filters could not follow */
      return -1;
    }
    g_held = want;
    g_pledged = 1;
  }
  if (execpromises) {
    g_exec_held = ewant;
    g_exec_set = 1;
  }
  return 0;
}
