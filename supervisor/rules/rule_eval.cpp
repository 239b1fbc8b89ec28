#include "rule_eval.hpp"

#include <fcntl.h>

#include <algorithm>

#include "arg_grants.hpp"
#include "path_match.hpp"
#include "promises.hpp"
#include "syscalls.hpp"

namespace xpledge {

namespace {

constexpr std::uint64_t kLow32 = 0xffffffffULL;

// Rules whose match lets the call run (allow, log) must hold for every reading of the call;
// rules that stop it (deny, kill) must hold for some reading. That is what keeps an unreadable
// path, or garbage in the upper half of a 32-bit argument, from opening a hole.
bool permits(Action a) { return a == Action::allow || a == Action::log; }

bool op_holds(ArgOp op, std::uint64_t arg, std::uint64_t value) {
  switch (op) {
    case ArgOp::eq: return arg == value;
    case ArgOp::ne: return arg != value;
    case ArgOp::lt: return arg < value;
    case ArgOp::le: return arg <= value;
    case ArgOp::gt: return arg > value;
    case ArgOp::ge: return arg >= value;
    case ArgOp::mask_all: return (arg & value) == value;
    case ArgOp::mask_any: return (arg & value) != 0;
    case ArgOp::mask_none: return (arg & value) == 0;
    case ArgOp::in: return arg == value;
  }
  return false;
}

// The condition with both the argument and the values reduced by `width`. `in` compares the
// argument without its `ignore` bits, and `self` also accepts the caller's process id (never
// when it is unknown: tgid <= 0).
bool cond_holds(const ArgCond& c, std::uint64_t arg, std::uint64_t width, std::int64_t tgid) {
  if (c.op == ArgOp::in) arg &= ~c.ignore;
  if (c.self && tgid > 0 && (arg & width) == (static_cast<std::uint64_t>(tgid) & width))
    return true;
  return std::any_of(c.values.begin(), c.values.end(), [&](std::uint64_t v) {
    return op_holds(c.op, arg & width, v & width);
  });
}

// i386 arguments are 32-bit. On x86-64 and x32 the kernel reads many arguments as a 32-bit int
// and ignores the upper half, which the caller controls: a stopping rule also matches on the
// low halves, a permitting one must match on both the full value and the low halves.
bool cond_matches(const ArgCond& c, const CallContext& ctx, Action action) {
  const std::uint64_t arg = ctx.call.args[c.index];
  if (ctx.call.abi == Abi::i386) return cond_holds(c, arg, kLow32, ctx.tgid);
  const bool full = cond_holds(c, arg, ~std::uint64_t{0}, ctx.tgid);
  const bool low = cond_holds(c, arg, kLow32, ctx.tgid);
  return permits(action) ? full && low : full || low;
}

bool any_glob_matches(const Rule& r, std::string_view path) {
  const auto hit = [&](const std::string& g) { return glob_match(g, path); };
  return std::any_of(r.paths.begin(), r.paths.end(), hit) ||
         std::any_of(r.bound_paths.begin(), r.bound_paths.end(), hit);
}

bool path_arg_matches(const Rule& r, const PathArg& p) {
  if (p.err != 0) return false;
  if (r.access && !access_covers(*r.access, p.access)) return false;
  return names_match(r, p);
}

// Permitting rules: every path argument must match (rename's source and target both), and with
// no path information nothing matches. Stopping rules: any path argument, and an unreadable or
// missing path counts as matching.
bool paths_match(const Rule& r, std::span<const PathArg> paths) {
  if (!r.has_path_conditions()) return true;
  if (permits(r.action))
    return !paths.empty() && std::all_of(paths.begin(), paths.end(), [&](const PathArg& p) {
      return path_arg_matches(r, p);
    });
  if (paths.empty()) return true;
  return std::any_of(paths.begin(), paths.end(), [&](const PathArg& p) {
    return p.err != 0 || path_arg_matches(r, p);
  });
}

// Permitting rules: the address read, and one of the rule's conditions holds (none of them, an
// unread or unreadable address). Stopping rules: an unreadable address counts as matching.
bool addr_matches(const Rule& r, const CallContext& ctx) {
  if (!r.has_addr_conditions()) return true;
  const AddrArg* a = ctx.addr;
  if (!a || a->err) return !permits(r.action);
  if (r.no_control && a->control_len != 0) return false;
  return r.addrs.empty() || std::any_of(r.addrs.begin(), r.addrs.end(), [&](const AddrCond& c) {
           return addr_cond_holds(c, *a);
         });
}

int access_rank(Access a) {
  switch (a) {
    case Access::read: return 0;
    case Access::write: return 1;
    case Access::create: return 2;
    case Access::exec: return 0;  // not an open class
  }
  return 0;
}

// The open class from the flags register; the tracer's own reading of the flags (open_how),
// if any, can only make it stricter.
bool open_class_matches(const Rule& r, const CallContext& ctx) {
  if (!r.open_classes) return true;
  Access a = open_access(ctx.call.args[static_cast<std::size_t>(r.open_flags_arg)]);
  for (const auto& p : ctx.paths)
    if (access_rank(p.access) > access_rank(a)) a = p.access;
  return (r.open_classes & (1u << static_cast<unsigned>(a))) != 0;
}

// An allow rule's conditions as register alternatives; {} when they cannot be written so.
ArgAlternatives permitted_alternatives(const Rule& r, bool promise_rule) {
  if (promise_rule) {
    // As the stacked pledge filter has always been built: no products of two `in` limits (each
    // alternative is one libseccomp rule, and libseccomp 2.5.4 can loop adding many of them).
    const auto ins = std::count_if(r.args.begin(), r.args.end(),
                                   [](const ArgCond& c) { return c.op == ArgOp::in; });
    const bool self = std::any_of(r.args.begin(), r.args.end(),
                                  [](const ArgCond& c) { return c.self; });
    if (ins > 1 || self) return {};
  }
  ArgAlternatives match{{}};
  for (const ArgCond& c : r.args) match = conjoin(match, permitted_by(c));
  // An open class is the flags register's (open_class_matches): the tracer's own reading can
  // be stricter only for openat2, whose flags are in memory and which no class entry names.
  // Without this, rpath's read-only opens stopped at every openat.
  if (r.open_classes)
    match = conjoin(match, open_class_alternatives(static_cast<unsigned>(r.open_flags_arg),
                                                   r.open_classes));
  return match;
}

}  // namespace

std::string_view access_name(Access a) {
  switch (a) {
    case Access::read: return "read";
    case Access::write: return "write";
    case Access::create: return "create";
    case Access::exec: return "exec";
  }
  return "?";
}

std::optional<Access> access_from_name(std::string_view name) {
  for (Access a : {Access::read, Access::write, Access::create, Access::exec})
    if (access_name(a) == name) return a;
  return std::nullopt;
}

bool access_covers(Access rule, Access call) {
  return rule == call || (rule == Access::write && call == Access::create);
}

Access open_access(std::uint64_t flags) {
  if (flags & (O_CREAT | kKernelTmpfileBit)) return Access::create;
  if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC)) return Access::write;
  return Access::read;
}

// Permitting rules hold against the object the call reaches; stopping rules against any name
// the call or the object has: the string as given, the object's path, its path under a renamed
// anchor, and for a file a rule names without globs, the file itself (a hard link).
bool names_match(const Rule& r, const PathArg& p) {
  if (r.paths.empty()) return true;
  if (any_glob_matches(r, p.path)) return true;
  if (permits(r.action)) return false;
  if (!p.literal.empty() && any_glob_matches(r, p.literal)) return true;
  if (std::any_of(p.alt_paths.begin(), p.alt_paths.end(),
                  [&](const std::string& a) { return any_glob_matches(r, a); }))
    return true;
  return p.id && std::find(r.file_ids.begin(), r.file_ids.end(), *p.id) != r.file_ids.end();
}

bool rule_matches(const Rule& r, const CallContext& ctx) {
  return std::all_of(r.args.begin(), r.args.end(),
                     [&](const ArgCond& c) { return cond_matches(c, ctx, r.action); }) &&
         open_class_matches(r, ctx) && paths_match(r, ctx.paths) && addr_matches(r, ctx);
}

bool RuleRange::applies(const Rule& r) const { return !set || set->has(r.promise); }

const Rule* first_match(const RuleRange& range, const CallContext& ctx) {
  for (std::size_t i : range.order) {
    const Rule& r = range.rules[i];
    if (range.applies(r) && rule_matches(r, ctx)) return &r;
  }
  return nullptr;
}

bool needs_paths(const RuleRange& range) {
  return std::any_of(range.order.begin(), range.order.end(), [&](std::size_t i) {
    return range.applies(range.rules[i]) && range.rules[i].reads_memory();
  });
}

Unconditional unconditional(const RuleRange& range) {
  for (std::size_t i : range.order) {
    const Rule& r = range.rules[i];
    if (!range.applies(r)) continue;
    // kill, deny and log rules come first: any of them means a stop.
    if (r.action != Action::allow) return Unconditional::stops;
    if (!r.conditional()) return Unconditional::allows;
  }
  // Only conditional allows: a call they do not match falls through.
  return Unconditional::undecided;
}

// Walks the rules in evaluation order, keeping `open`, the calls no stopping rule so far
// matches: an allow rule grants open AND its conditions; a deny, kill or log rule narrows open
// to the calls it does not match. Leaving an allow rule's calls in `open` is sound: they are
// allowed whatever a later rule says.
Narrowed narrow(const RuleRange& range, ArgAlternatives& open, ArgAlternatives& granted) {
  const bool promise_rules = range.set != nullptr;
  for (std::size_t i : range.order) {
    const Rule& r = range.rules[i];
    if (!range.applies(r)) continue;
    if (r.reads_memory()) {
      // An allow rule left out narrows nothing and grants nothing: a call it would allow
      // stops, or is granted by what follows (promises, default) whatever its paths.
      if (promise_rules || r.action == Action::allow) continue;
      return Narrowed::gave_up;
    }
    if (r.action == Action::allow) {
      // A promise allowing the call whatever its arguments is unconditional()'s to answer.
      if (promise_rules && !r.conditional()) continue;
      append_alternatives(granted, conjoin(open, permitted_alternatives(r, promise_rules)));
      continue;
    }
    // A stopping rule fails to match when any one of its conditions fails.
    ArgAlternatives miss;
    for (const ArgCond& c : r.args) append_alternatives(miss, not_stopped_by(c));
    open = conjoin(open, miss);
    if (open.empty()) return Narrowed::closed;
  }
  return Narrowed::open;
}

}  // namespace xpledge
