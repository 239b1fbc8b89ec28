#include "prefilter.hpp"

#include <fmt/format.h>

#include <fcntl.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>
#include <sys/mman.h>
#include <unistd.h>

#include "arg_grants.hpp"
#include "exec_images.hpp"
#include "landlock_plan.hpp"
#include "guard.hpp"
#include "promises.hpp"
#include "scratch_layout.hpp"
#include "syscalls.hpp"
#include "unix_path.hpp"
#include "unveil.hpp"

namespace xpledge {

namespace {

// One single-arch context with every unconditionally allowed call of that ABI, so numbers are
// always the ABI's own (libseccomp would otherwise translate by name across arches).
using AllowFn = bool (*)(const void* ctx, Abi abi, std::int64_t nr);

// Memory calls that could unmap, move or replace the path scratch area (guard.cpp) run unseen
// when they cannot reach it: an address at or above its end, or, for mmap, no MAP_FIXED.
bool add_scratch_memory_allows(scmp_filter_ctx ctx, const std::string& name, int nr) {
  const scmp_datum_t end = ScratchLayout::kEnd;
  int rc = 0;
  if (name == "mmap") {
    rc |= seccomp_rule_add_exact(ctx, SCMP_ACT_ALLOW, nr, 1,
                                 SCMP_A3(SCMP_CMP_MASKED_EQ, MAP_FIXED, 0));
    rc |= seccomp_rule_add_exact(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A0(SCMP_CMP_GE, end));
  } else if (name == "mremap") {
    // One rule: libseccomp 2.5.4 loops for ever adding a second two-argument rule here.
    // mremap with MREMAP_FIXED is rare enough to stop.
    rc |= seccomp_rule_add_exact(ctx, SCMP_ACT_ALLOW, nr, 2, SCMP_A0(SCMP_CMP_GE, end),
                                 SCMP_A3(SCMP_CMP_MASKED_EQ, MREMAP_FIXED, 0));
  } else {
    rc |= seccomp_rule_add_exact(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A0(SCMP_CMP_GE, end));
  }
  return rc == 0;
}

// Calls allowed only for some register arguments (stdio's mmap without PROT_EXEC; the default
// policy's ioctl other than TIOCSTI/TIOCLINUX; clone without CLONE_UNTRACED): each alternative
// becomes one ALLOW rule. Without this a narrowed process stopped at every mmap and mprotect its
// loader and malloc make. Filled only for the x86-64 ABI, where libseccomp compares all 64
// bits, as cond_holds does.
using GrantsFn = ArgAlternatives (*)(const void* ctx, Abi abi, std::int64_t nr);

scmp_arg_cmp to_cmp(const ArgTest& t) {
  if (t.at_most) return {t.arg, SCMP_CMP_LE, t.value, 0};
  return {t.arg, SCMP_CMP_MASKED_EQ, t.mask, t.value};
}

// One rule per alternative, each also with `extra` (the scratch-area limits); an alternative
// that tests an argument `extra` tests too is skipped (one comparison per argument in a rule).
bool add_grant_rules(scmp_filter_ctx ctx, int nr, const ArgAlternatives& alts,
                     const std::vector<scmp_arg_cmp>& extra) {
  bool any = false;
  for (const auto& alt : alts) {
    std::vector<scmp_arg_cmp> cmps = extra;
    bool clash = false;
    for (const ArgTest& t : alt) {
      clash |= std::any_of(cmps.begin(), cmps.end(), [&](const scmp_arg_cmp& c) {
        return c.arg == t.arg;
      });
      cmps.push_back(to_cmp(t));
    }
    if (clash || cmps.size() > 6) continue;
    if (seccomp_rule_add_exact_array(ctx, SCMP_ACT_ALLOW, nr, static_cast<unsigned>(cmps.size()),
                                     cmps.data()) == 0)
      any = true;
  }
  return any;
}

// The scratch-area limits of add_scratch_memory_allows, as alternatives.
std::vector<std::vector<scmp_arg_cmp>> scratch_limits(const std::string& name) {
  const scmp_datum_t end = ScratchLayout::kEnd;
  if (name == "mmap")
    return {{SCMP_A3(SCMP_CMP_MASKED_EQ, MAP_FIXED, 0)}, {SCMP_A0(SCMP_CMP_GE, end)}};
  if (name == "mremap")
    return {{SCMP_A0(SCMP_CMP_GE, end), SCMP_A3(SCMP_CMP_MASKED_EQ, MREMAP_FIXED, 0)}};
  return {{SCMP_A0(SCMP_CMP_GE, end)}};
}

// The number a rule for `name` (numbered `nr` on `abi`) is added with. libseccomp takes the
// *native* number (or its pseudo-number for calls x86-64 lacks) and translates it by name to
// each arch of the context; the ABI's own number would be read as an x86-64 one (i386 open = 5
// = x86-64 fstat). A call only our supplement names (syscalls.hpp) has no libseccomp name: on
// x86-64 its own number is used as is (libseccomp does not translate the native arch); on
// i386/x32 it has none, and the call keeps stopping in the supervisor: the safe direction. The
// same for a name libseccomp resolves on that ABI to something else than its number: i386's
// direct socket and System V calls (socket 359, shmat 397), which libseccomp would translate
// into rules for the socketcall()/ipc() multiplexers too, letting those run unseen.
int rule_number(Abi abi, const std::string& name, std::int64_t nr) {
  if (abi != Abi::x86_64 && libseccomp_syscall_nr(abi, name) != nr) return __NR_SCMP_ERROR;
  const int native = seccomp_syscall_resolve_name(name.c_str());
  if (native != __NR_SCMP_ERROR) return native;
  if (abi == Abi::x86_64) return static_cast<int>(nr);
  return __NR_SCMP_ERROR;
}

scmp_filter_ctx abi_filter_with(AllowFn allows, const void* actx, bool abi_ok, Abi abi,
                                std::string& error, int& allowed, GrantsFn grants = nullptr) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRACE(0));
  if (!ctx) {
    error = "seccomp_init failed";
    return nullptr;
  }
  const std::uint32_t arch = abi_scmp_arch(abi);
  if (arch != seccomp_arch_native()) {
    if (int rc = seccomp_arch_add(ctx, arch); rc != 0 && rc != -EEXIST) {
      error = fmt::format("seccomp_arch_add({}): {}", abi_name(abi), std::strerror(-rc));
      seccomp_release(ctx);
      return nullptr;
    }
    seccomp_arch_remove(ctx, seccomp_arch_native());
  }
  // Unknown arches (none exist on x86-64 hosts) trace too: the supervisor denies them.
  seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRACE(0));
  if (!abi_ok) return ctx;  // every call of this ABI stops and is denied
  const auto guarded = guarded_syscalls();
  const auto scratch = scratch_memory_syscalls();
  for (const std::string& name : syscall_names(abi)) {
    // A guarded call, or one judged as another with some arguments (judged_as), stops unless
    // the limits under which nothing of the kind applies hold too (x86-64 only: clone's
    // arguments are in another order on i386).
    std::optional<ArgAlternatives> guard_limits = guard_register_limits(name);
    if (guard_limits || std::find(guarded.begin(), guarded.end(), name) != guarded.end()) {
      if (abi != Abi::x86_64 || !guard_limits) continue;
    }
    const auto nr = syscall_nr(abi, name);
    if (!nr) continue;
    if (guard_limits) {
      const int native = rule_number(abi, name, *nr);
      if (native == __NR_SCMP_ERROR) continue;
      ArgAlternatives alts{{}};
      if (!allows(actx, abi, *nr)) alts = grants ? grants(actx, abi, *nr) : ArgAlternatives{};
      if (add_grant_rules(ctx, native, conjoin(alts, *guard_limits), {})) ++allowed;
      continue;
    }
    if (!allows(actx, abi, *nr)) {
      if (!grants || abi != Abi::x86_64) continue;
      const auto alts = grants(actx, abi, *nr);
      if (alts.empty()) continue;
      const int native = rule_number(abi, name, *nr);
      if (native == __NR_SCMP_ERROR) continue;
      bool any = false;
      if (std::find(scratch.begin(), scratch.end(), name) != scratch.end()) {
        for (const auto& limit : scratch_limits(name)) any |= add_grant_rules(ctx, native, alts, limit);
      } else {
        any = add_grant_rules(ctx, native, alts, {});
      }
      if (any) ++allowed;
      continue;
    }
    // A call libseccomp cannot filter on this arch (it answers EFAULT/EDOM for some i386
    // multiplexed ones) simply keeps stopping: the safe direction.
    const int native = rule_number(abi, name, *nr);
    if (native == __NR_SCMP_ERROR) continue;
    if (std::find(scratch.begin(), scratch.end(), name) != scratch.end()) {
      // On i386 every address is below the path scratch area's end: those always stop.
      if (abi != Abi::i386 && add_scratch_memory_allows(ctx, name, native)) ++allowed;
      continue;
    }
    if (seccomp_rule_add_exact(ctx, SCMP_ACT_ALLOW, native, 0) == 0) ++allowed;
  }
  return ctx;
}

scmp_filter_ctx abi_filter(const PrefilterQuestions& q, Abi abi, std::string& error,
                           int& allowed) {
  const AllowFn fn = [](const void* p, Abi a, std::int64_t nr) {
    return static_cast<const PrefilterQuestions*>(p)->allows(a, nr);
  };
  const GrantsFn gfn = [](const void* p, Abi a, std::int64_t nr) {
    return static_cast<const PrefilterQuestions*>(p)->grants(a, nr);
  };
  return abi_filter_with(fn, &q, q.abi_allowed(abi), abi, error, allowed, gfn);
}

template <typename MakeAbi>
FilterPtr merged_filter(MakeAbi make, std::string& error) {
  FilterPtr root(make(Abi::x86_64));
  if (!root) return nullptr;
  for (Abi abi : {Abi::i386, Abi::x32}) {
    scmp_filter_ctx other = make(abi);
    if (!other) return nullptr;
    if (int rc = seccomp_merge(static_cast<scmp_filter_ctx>(root.get()), other); rc != 0) {
      error = fmt::format("seccomp_merge({}): {}", abi_name(abi), std::strerror(-rc));
      seccomp_release(other);
      return nullptr;
    }
  }
  return root;
}

// libseccomp's only way to hand over the generated program is a file descriptor.
std::vector<unsigned char> export_filter(const FilterPtr& f, std::string& error) {
  const int fd = memfd_create("xpledge-bpf", MFD_CLOEXEC);
  if (fd < 0) {
    error = fmt::format("memfd_create: {}", std::strerror(errno));
    return {};
  }
  std::vector<unsigned char> out;
  if (const int rc = seccomp_export_bpf(static_cast<scmp_filter_ctx>(f.get()), fd); rc != 0) {
    error = fmt::format("seccomp_export_bpf: {}", std::strerror(-rc));
  } else {
    const off_t size = lseek(fd, 0, SEEK_END);
    out.resize(static_cast<std::size_t>(size > 0 ? size : 0));
    if (size <= 0 || pread(fd, out.data(), out.size(), 0) != size) {
      error = "cannot read the exported filter back";
      out.clear();
    }
  }
  close(fd);
  return out;
}

}  // namespace

std::vector<unsigned char> build_pledge_filter(const PromiseCatalogue& catalogue,
                                               const PromiseSet& set, std::string& error) {
  struct Ctx {
    const PromiseCatalogue* cat;
    const PromiseSet* set;
  } c{&catalogue, &set};
  const AllowFn fn = [](const void* p, Abi a, std::int64_t nr) {
    const auto* x = static_cast<const Ctx*>(p);
    return x->cat->allows_unconditionally(*x->set, a, nr);
  };
  const GrantsFn gfn = [](const void* p, Abi a, std::int64_t nr) {
    const auto* x = static_cast<const Ctx*>(p);
    return x->cat->register_grants(*x->set, a, nr);
  };
  int allowed = 0;
  FilterPtr f = merged_filter(
      [&](Abi abi) { return abi_filter_with(fn, &c, true, abi, error, allowed, gfn); }, error);
  if (!f) return {};
  return export_filter(f, error);
}

// Path calls (a signature with a path argument, syscalls.hpp), the calls that reach files
// by no path (unveil.hpp reaches_files_unseen) and those whose sockaddr may name an AF_UNIX
// path (unix_path.hpp) stop; every other call the
// filter lets through, the stacked pre-filter still decides. Built with the same per-ABI walk
// as the other filters, so a number no table names, an unknown arch and a call libseccomp
// cannot filter on some ABI stop too: the safe direction.
std::vector<unsigned char> build_unveil_filter(std::string& error) {
  const AllowFn fn = [](const void*, Abi a, std::int64_t nr) {
    const std::string name = syscall_name(a, nr);
    // Calls that reach files by no path (io_uring, handles...) stop too: the table refuses them.
    if (reaches_files_unseen(name) || names_socket_address(name)) return false;
    const SyscallSig* sig = syscall_sig(name);
    return !sig || sig->path_args().empty();
  };
  // send() is sendto with no address: a connected socket's hot path runs unseen (x86-64).
  const GrantsFn gfn = [](const void*, Abi a, std::int64_t nr) {
    if (syscall_name(a, nr) != "sendto") return ArgAlternatives{};
    return ArgAlternatives{{ArgTest{kSendtoAddrArg, false, ~0ull, 0, false}}};
  };
  int allowed = 0;
  FilterPtr f = merged_filter(
      [&](Abi abi) { return abi_filter_with(fn, nullptr, true, abi, error, allowed, gfn); },
      error);
  if (!f) return {};
  return export_filter(f, error);
}

// With exec path rules, a call that may map a file executable (exec_images.hpp) stops whatever
// the policy says of it, and only then: mmap/mprotect with PROT_EXEC (a file's mmap only),
// personality(READ_IMPLIES_EXEC). Without them nothing changes and nothing is paid. On i386
// and x32 (whole registers unchecked) these calls always stop under such a policy. The
// Landlock plan adds the opens the kernel decides alone (landlock_plan.hpp).
PrefilterQuestions::PrefilterQuestions(const Policy& policy, const LandlockPlan* landlock)
    : policy_(policy), landlock_(landlock), exec_rules_(has_exec_path_rules(policy)) {}

bool PrefilterQuestions::abi_allowed(Abi abi) const { return policy_.abi_allowed(abi); }

bool PrefilterQuestions::judges_mapping(Abi abi, std::int64_t nr) const {
  return exec_rules_ && exec_map_call(Syscall{abi, nr, {}}) != ExecMapCall::none;
}

bool PrefilterQuestions::allows(Abi abi, std::int64_t nr) const {
  return !judges_mapping(abi, nr) && policy_.allows_unconditionally(abi, nr);
}

ArgAlternatives PrefilterQuestions::grants(Abi abi, std::int64_t nr) const {
  if (!judges_mapping(abi, nr)) {
    ArgAlternatives alts = policy_.register_grants(abi, nr);
    if (landlock_) append_alternatives(alts, landlock_register_grants(*landlock_, abi, nr));
    return alts;
  }
  const auto unseen = exec_map_unseen(syscall_name(abi, nr));
  if (abi != Abi::x86_64 || !unseen) return ArgAlternatives{};
  const ArgAlternatives granted = policy_.allows_unconditionally(abi, nr)
                                      ? ArgAlternatives{{}}
                                      : policy_.register_grants(abi, nr);
  return conjoin(granted, *unseen);
}

namespace {

bool alternative_holds(const std::vector<ArgTest>& alt, const std::array<std::uint64_t, 6>& a) {
  return std::all_of(alt.begin(), alt.end(), [&](const ArgTest& t) {
    const std::uint64_t v = a[t.arg % 6];
    return t.at_most ? v <= t.value : (v & t.mask) == t.value;
  });
}

// The classes of opens (flags in argument `flags_arg`, mode 0644) the alternatives let run
// unseen, as "read, some write": a class is named when its plain flags and each usual extra
// flag run unseen, "some" when only part of them do.
std::string unseen_open_classes(const ArgAlternatives& alts, unsigned flags_arg) {
  constexpr std::pair<const char*, std::uint64_t> kClasses[] = {
      {"read", O_RDONLY}, {"write", O_WRONLY}, {"create", O_WRONLY | O_CREAT}};
  constexpr std::uint64_t kExtras[] = {0, O_CLOEXEC, O_NONBLOCK, O_NOFOLLOW, O_DIRECTORY,
                                       O_APPEND, O_EXCL, O_NOCTTY, O_PATH};
  std::string out;
  for (const auto& [cls, flags] : kClasses) {
    std::size_t unseen = 0;
    for (const std::uint64_t extra : kExtras) {
      std::array<std::uint64_t, 6> args{};
      args[flags_arg] = flags | extra;
      args[flags_arg + 1] = 0644;
      unseen += std::any_of(alts.begin(), alts.end(),
                            [&](const auto& alt) { return alternative_holds(alt, args); });
    }
    if (unseen == 0) continue;
    out += (out.empty() ? "" : ", ") + std::string(unseen < std::size(kExtras) ? "some " : "") + cls;
  }
  return out;
}

}  // namespace

std::string describe_prefilter_opens(const Policy& policy, const LandlockPlan* landlock) {
  const PrefilterQuestions q(policy, landlock);
  std::string out = "\npre-filter (which x86_64 opens run without a stop):\n";
  for (const auto& [name, flags_arg] : {std::pair{"open", 1u}, std::pair{"openat", 2u}}) {
    const auto nr = syscall_nr(Abi::x86_64, name);
    if (!nr) continue;
    out += fmt::format("  {}: ", name);
    if (!q.abi_allowed(Abi::x86_64)) {
      out += "stops (x86_64 is not allowed)\n";
    } else if (q.allows(Abi::x86_64, *nr)) {
      out += "never stops (allowed whatever its flags and path)\n";
    } else if (const auto cls = unseen_open_classes(q.grants(Abi::x86_64, *nr), flags_arg);
               !cls.empty()) {
      out += fmt::format("{} opens run unseen, decided by their flags; the others stop\n", cls);
    } else {
      out += "stops at every call (its verdict needs the path, a log or deny rule names it, "
             "or nothing allows it by its flags alone)\n";
    }
  }
  return out;
}

std::vector<unsigned char> build_prefilter(const Policy& policy, std::string& error,
                                           PrefilterStats* stats, const LandlockPlan* landlock) {
  int allowed = 0;
  const PrefilterQuestions q(policy, landlock);
  FilterPtr root =
      merged_filter([&](Abi abi) { return abi_filter(q, abi, error, allowed); }, error);
  if (!root) return {};
  if (stats) stats->allowed = allowed;
  return export_filter(root, error);
}

}  // namespace xpledge
