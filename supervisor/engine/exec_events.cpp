// Exec events and executable mappings: what the kernel ran, judged against exec path rules.

#include <dirent.h>
#include <linux/kcmp.h>
#include <linux/landlock.h>
#include <linux/openat2.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <memory>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "decode.hpp"
#include "guard.hpp"
#include "pledge.hpp"
#include "promises.hpp"
#include "path_match.hpp"
#include "path_resolve.hpp"
#include "path_walk.hpp"
#include "confine.hpp"
#include "landlock_plan.hpp"
#include "prefilter.hpp"
#include "scratch.hpp"
#include "regs.hpp"
#include "stop.hpp"
#include "exec_images.hpp"
#include "rule_binding.hpp"
#include "syscalls.hpp"
#include "unveil.hpp"
#include "tracee_mem.hpp"

#include "engine.hpp"
#include "proc_facts.hpp"
#include "call_kinds.hpp"

namespace xpledge::engine {

namespace {

// [addr, addr + len) rounded out to whole pages, as the kernel takes it (no overflow).
std::pair<std::uint64_t, std::uint64_t> page_range(std::uint64_t addr, std::uint64_t len) {
  constexpr std::uint64_t kPage = 4096;
  const std::uint64_t lo = addr & ~(kPage - 1);
  const std::uint64_t hi = len > UINT64_MAX - addr - kPage ? UINT64_MAX
                                                           : (addr + len + kPage - 1) & ~(kPage - 1);
  return {lo, hi};
}

}  // namespace

Restart Tracer::on_exec(ThreadState& t) {
  // The thread that started the command is joined once this stop is resumed (handle()): the
  // command then runs while it finishes ending, and any call that could signal it (every
  // guarded call stops) waits for a supervisor that has joined it first.
  if (t.tid == main_pid_) join_spawn_helper_ = spawn_helper_.has_value();
  unsigned long former = 0;
  ptrace(PTRACE_GETEVENTMSG, t.tid, nullptr, &former);
  const pid_t tid = t.tid;
  auto proc = t.proc;
  // The command's own exec is not the policy's business; every later one is.
  const bool judged = proc && !proc->trusted_pre_exec;
  if (former != 0 && static_cast<pid_t>(former) != tid) {
    // execve from a non-leader thread: the kernel gave it the leader's tid. Keep the execing
    // thread's state under the new tid; every other thread of the process is gone.
    auto old = threads_.find(static_cast<pid_t>(former));
    if (old != threads_.end()) {
      ThreadState moved = std::move(old->second);
      moved.tid = tid;
      release_tid(static_cast<pid_t>(former));
      threads_.erase(old);
      threads_[tid] = std::move(moved);
      proc = threads_[tid].proc;
    }
  }
  if (proc) {
    // What the swept threads were doing is over: an injection or seccomp() in flight, parked
    // calls. Left counted, the new image's xpledge() and seccomp() would wait for ever.
    proc->forget_other_threads();
    sweep_exec_siblings(tid, proc);
    if (!proc->trusted_pre_exec) pledge_on_exec(proc->pledge);
    unveil_on_exec(proc->unveil);
    // The filters stacked for the old promises stay (they survive exec): in seccomp mode a call
    // they allow would run unseen in the new image. Stack one for the execpromises before its
    // first call, unless the kernel already traces everything outside them.
    const auto& now = proc->pledge.promises;
    if (opts_.use_seccomp && now && !(proc->kernel_allows && proc->kernel_allows->subset_of(*now)))
      threads_[tid].exec_filter = *now;
    proc->trusted_pre_exec = false;
    // A new image: a new address space, whoever shared the old one (a vfork parent keeps it).
    proc->mm = std::make_shared<AddressSpace>();
  }
  forget_tracee_memory(tid);  // the memory file kept for it reads the old image
  std::string target;          // what its exec call named (phase::ExecCall), if exec rules
  {
    // Whatever the thread was inside belongs to the old image: a nesting chain it left (an
    // rseq abort, then execve), calls of ours in flight, calls that might restart.
    ThreadState& e = threads_[tid];
    if (auto* call = std::get_if<phase::ExecCall>(&e.exit_phase)) {
      target = std::move(call->target);
      e.exit_phase = phase::Running{};
    }
    e.nest.reset();
    e.nest_failed = false;
    if (in_phase<phase::AwaitingScratch>(e.exit_phase) ||
        in_phase<phase::ExecMapWatch>(e.exit_phase))
      e.exit_phase = phase::Running{};
    e.last_pinned.reset();
    e.restartable.clear();
  }
  if (judged && exec_rules_) check_exec_images(threads_[tid], target);
  return kResume;
}

// Exec rules on what the kernel ran (exec_images.hpp): the executable after every symlink, its
// loader, another name of a file a rule names. The image has not run an instruction: refused,
// it is killed (the exec itself cannot be undone), with the record and an error saying why.
void Tracer::check_exec_images(ThreadState& t, const std::string& target) {
  const auto orig = exec_event_syscall(t.tid);
  if (!orig) return;  // vanished
  // The call's ABI from its number: x86-64 execve 59 / execveat 322, x32 with its bit, else
  // i386 (int $0x80 from a 64-bit program: 11 / 358).
  static const CallNumbers execve("execve"), execveat("execveat");
  Abi abi = Abi::i386;
  if (*orig & static_cast<std::int64_t>(kX32SyscallBit)) abi = Abi::x32;
  else if (*orig == execve.on(Abi::x86_64) || *orig == execveat.on(Abi::x86_64))
    abi = Abi::x86_64;
  const std::string proc_dir = "/proc/" + std::to_string(t.tid);
  char buf[PATH_MAX];
  const ssize_t n = readlink((proc_dir + "/exe").c_str(), buf, sizeof buf - 1);
  // Unreadable: judged as a file without a name, which no rule allows by name (fail closed).
  const std::string exe = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "(unreadable)";
  const std::string maps = read_small_file(proc_dir + "/maps", 1U << 20);
  std::vector<ExecImage> images;
  for (const std::string& p : exec_image_paths(exe, maps))
    // The executable through its magic link: the file itself, even if renamed or deleted.
    images.push_back({p, images.empty() ? stat_id(proc_dir + "/exe") : stat_id(p)});
  // The kernel ran the file the call named itself (it is /proc/PID/exe): no `#!` chain to read.
  if (target != exe) append_script_chain(t.tid, target, images);
  const auto refusal =
      judge_exec_images(*opts_.policy, abi, *orig, images, stat_id, other_names_fn());
  if (!refusal) return;
  StopFacts f(Syscall{abi, *orig, {}});
  f.paths = {PathArg::of(refusal->image, Access::exec)};
  report(t, f, {refusal->verdict});
  opts_.log->error(fmt::format(
      "pid {}: exec of {} refused by {}: the new image is killed before it runs", t.tid,
      refusal->image, refusal->verdict.rule ? refusal->verdict.rule->describe() : "?"));
  kill(t.tid, SIGKILL);
}

// `ld.so FILE`, or any program mapping a file PROT_EXEC itself, runs FILE without execve: with
// exec path rules the file is judged like an exec image (judge_exec_images) before the mapping
// is made: the fd's real object for mmap, the mappings' files for mprotect. The pre-filter
// stops only such calls (exec_map_unseen). Allowed, the call is judged again at its exit.
std::optional<ExecRefusal> Tracer::judge_exec_mapping(ThreadState& t, const Syscall& call,
                                                      std::string& hint) {
  if (in_phase<phase::ExecMapWatch>(t.exit_phase)) t.exit_phase = phase::Running{};
  const ExecMapCall kind = exec_map_call(call);
  if (kind == ExecMapCall::none) return std::nullopt;
  const std::string proc_dir = "/proc/" + std::to_string(t.tid);
  // Unreadable: as if READ_IMPLIES_EXEC were set (the stricter reading).
  unsigned long personality = ~0UL;
  if (const std::string text = read_small_file(proc_dir + "/personality", 64); !text.empty())
    personality = std::strtoul(text.c_str(), nullptr, 16);
  if (!exec_map_wanted(call, personality)) return std::nullopt;
  static const RuleRef kExecMap{"exec:mapping", 0, {}};
  if (kind == ExecMapCall::personality) {
    hint = "READ_IMPLIES_EXEC would make file mappings executable unseen";
    return ExecRefusal{Verdict{Action::deny, EPERM, &kExecMap}, {}};
  }
  if (kind == ExecMapCall::old_mmap) {
    hint = "i386 mmap reads its arguments from memory: use mmap2";
    return ExecRefusal{Verdict{Action::deny, ENOSYS, &kExecMap}, {}};
  }
  const std::uint64_t word = call.abi == Abi::i386 ? 0xffffffffULL : ~0ULL;
  ThreadState::ExecMapWatch watch{kind, call.abi, call.args[0] & word, call.args[1] & word, {}};
  if (kind == ExecMapCall::mmap) {
    // The fd's real object, whatever names it now; a bad fd maps nothing (the exit verifies).
    const auto fd = static_cast<int>(call.args[4] & 0xffffffffULL);
    const std::string link = proc_dir + "/fd/" + std::to_string(fd);
    char buf[PATH_MAX];
    const ssize_t n = readlink(link.c_str(), buf, sizeof buf - 1);
    // Unreadable (a bad fd, which the kernel refuses anyway, or /proc denied to us): judged as
    // a file with no name, which no rule allows by name (fail closed).
    if (fd < 0 || n <= 0) watch.judged.push_back({"(unreadable)", std::nullopt});
    else watch.judged.push_back({std::string(buf, static_cast<std::size_t>(n)), stat_id(link)});
  } else {
    const auto [lo, hi] = page_range(watch.addr, watch.len);
    const std::string maps = read_small_file(proc_dir + "/maps", 1U << 22);
    if (maps.empty()) watch.judged.push_back({"(unreadable)", std::nullopt});  // fail closed
    for (const MappedFile& m : mapped_files(maps, lo, hi)) watch.judged.push_back({m.path, m.id});
  }
  static const CallNumbers execve("execve");
  const auto refusal = judge_exec_images(*opts_.policy, call.abi, execve.on(call.abi).value_or(-1),
                                         watch.judged, stat_id, other_names_fn());
  if (refusal) {
    // In the call's record (rate-limited like any), not a line of its own: a loop of refused
    // mappings must not flood the log.
    hint = "executable mapping of " + refusal->image;
    return refusal;
  }
  t.exit_phase = std::move(watch);
  return std::nullopt;
}

// The exit of an allowed executable mapping: every file now mapped executable in its range must
// be one judged at entry (same device and inode; or the same name, for file systems whose maps
// show the backing inode, overlayfs) and pass the rules again. Otherwise the file changed between
// the check and the kernel's use (a dup2 or a MAP_FIXED from another thread): the process is
// killed. Its other threads could run the mapping in that window; docs/SECURITY.md says so.
void Tracer::verify_exec_mapping(ThreadState& t, const SyscallStopInfo& info,
                                 const phase::ExecMapWatch& w) {
  if (info.is_error || !t.proc) return;
  const std::uint64_t addr = w.kind == ExecMapCall::mmap
                                 ? static_cast<std::uint64_t>(info.rval) &
                                       (w.abi == Abi::i386 ? 0xffffffffULL : ~0ULL)
                                 : w.addr;
  const auto [lo, hi] = page_range(addr, w.len);
  const std::string maps = read_small_file("/proc/" + std::to_string(t.tid) + "/maps", 1U << 22);
  std::vector<ExecImage> now;
  for (const MappedFile& m : mapped_files(maps, lo, hi))
    if (m.exec) now.push_back({m.path, m.id});
  static const CallNumbers execve("execve");
  const Abi abi = w.abi;
  std::string what;
  if (maps.empty()) what = "its memory map is unreadable";
  for (const ExecImage& image : now) {
    if (!what.empty()) break;
    // The same name counts only across devices: overlayfs shows its backing inode in maps.
    const bool judged = std::any_of(w.judged.begin(), w.judged.end(), [&](const ExecImage& j) {
      return j.id == image.id ||
             (j.path == image.path && j.id && image.id && j.id->first != image.id->first);
    });
    if (!judged) what = fmt::format("{} was mapped, not the file judged at entry", image.path);
  }
  if (const auto r = what.empty() ? judge_exec_images(*opts_.policy, abi,
                                                      execve.on(abi).value_or(-1), now, stat_id,
                                                      other_names_fn())
                                  : std::nullopt)
    what = fmt::format("{} is refused by {}", r->image, r->verdict.rule ? r->verdict.rule->describe()
                                                                        : "?");
  if (what.empty()) return;
  // Every process of the address space: a CLONE_VM sibling (vfork, posix_spawn, a clone of its
  // own) would keep the mapping and could run it once the caller is gone.
  opts_.log->error(fmt::format("pid {}: executable mapping changed under the check ({}): every "
                               "process of its address space is killed", t.tid, what));
  std::set<pid_t> tgids;
  for (const auto& [tid, other] : threads_)
    if (other.proc && other.proc->mm == t.proc->mm) tgids.insert(other.proc->tgid);
  for (const pid_t tgid : tgids) kill(tgid, SIGKILL);
}

// A `#!` script runs as its interpreter: /proc/PID/exe is the last interpreter of the chain, and
// the scripts are in no mapping. The chain is walked again from the file the call named (after
// every symlink: realpath), each script judged by its real name and its device and inode, each
// interpreter it names too. Read after the exec, through the supervisor's view of the
// filesystem (the tracee's root is ours unless it chroots): docs/SECURITY.md says what that
// leaves.
void Tracer::append_script_chain(pid_t tid, const std::string& target,
                                 std::vector<ExecImage>& images) {
  std::string file = target;
  for (int depth = 0; depth < kMaxScriptDepth && !file.empty(); ++depth) {
    if (file.front() != '/') {
      // A relative interpreter is the kernel's open from the process's cwd.
      char cwd[PATH_MAX];
      const ssize_t n =
          readlink(("/proc/" + std::to_string(tid) + "/cwd").c_str(), cwd, sizeof cwd - 1);
      if (n <= 0) return;
      file = normalise_path(std::string_view(cwd, static_cast<std::size_t>(n)), file);
    }
    char real[PATH_MAX];
    if (!realpath(file.c_str(), real)) return;
    const int fd = open(real, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return;
    char head[256];
    const ssize_t n = read(fd, head, sizeof head);
    struct stat st {};
    const bool have_id = fstat(fd, &st) == 0;
    close(fd);
    const auto interp = shebang_interpreter(
        n > 0 ? std::string_view(head, static_cast<std::size_t>(n)) : std::string_view{});
    if (!interp) return;  // an executable: /proc/PID/exe and the maps judged it
    images.push_back({real, have_id ? std::optional(std::make_pair(st.st_dev, st.st_ino))
                                    : std::nullopt});
    file = *interp;
  }
}

// Another name of an image under the literal directory of a deny glob (judge_exec_images): a
// hard link out of a denied tree. Looked for only when the file has other links and lives on
// that directory's device (no hard link crosses one), by a walk that does not follow symlinks
// or leave the device, bounded: past kMaxEntries the rest is not searched (said once).
std::vector<std::string> Tracer::other_names(const ExecImage& image, const std::string& dir) {
  constexpr std::size_t kMaxEntries = 20000;
  constexpr std::size_t kMaxDepth = 32;
  if (!image.id) return {};
  struct stat st {};
  if (stat(image.path.c_str(), &st) == 0 && std::make_pair(st.st_dev, st.st_ino) == *image.id &&
      st.st_nlink <= 1)
    return {};
  if (stat(dir.c_str(), &st) != 0 || st.st_dev != image.id->first) return {};
  std::vector<std::string> found;
  std::vector<std::pair<std::string, std::size_t>> todo{{dir, 0}};
  std::size_t seen = 0;
  while (!todo.empty()) {
    auto [path, depth] = std::move(todo.back());
    todo.pop_back();
    DIR* d = opendir(path.c_str());
    if (!d) continue;
    while (const dirent* e = readdir(d)) {
      const std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      if (++seen > kMaxEntries) {
        closedir(d);
        if (!scan_warned_) {
          scan_warned_ = true;
          opts_.log->warn(fmt::format("more than {} entries under {}: hard links to a file a deny "
                                      "glob names are not searched past them", kMaxEntries, dir));
        }
        return found;
      }
      const std::string child = (path == "/" ? "" : path) + "/" + std::string(name);
      if (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN) {
        if (lstat(child.c_str(), &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
          if (st.st_dev == image.id->first && depth + 1 < kMaxDepth) todo.emplace_back(child, depth + 1);
          continue;
        }
      } else if (e->d_type != DT_REG || e->d_ino != image.id->second ||
                 lstat(child.c_str(), &st) != 0) {
        continue;
      }
      if (S_ISREG(st.st_mode) && std::make_pair(st.st_dev, st.st_ino) == *image.id)
        found.push_back(child);
    }
    closedir(d);
  }
  return found;
}

}  // namespace xpledge::engine
