#pragma once
// Exec rules judged on what the kernel ran, not on the string execve() was given: at the exec
// event (the new image is loaded and has not run an instruction) the executable the kernel
// opened after every symlink (/proc/PID/exe) and each other file mapped executable (the
// PT_INTERP loader, /proc/PID/maps) are held against the policy's exec path rules, and so is
// another name of a file a rule names literally (a hard link). Pure: the tracer reads /proc.
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "arg_test.hpp"
#include "policy.hpp"

namespace xpledge {

struct ExecImage {
  std::string path;  // as the kernel names it: "/usr/bin/x", "/memfd:y (deleted)"
  std::optional<std::pair<dev_t, ino_t>> id;  // the file's device and inode, if known
};

// The images of /proc/PID/maps' file-backed executable mappings, the executable first (its
// /proc/PID/exe link text), each once.
std::vector<std::string> exec_image_paths(std::string_view exe_link, std::string_view maps);

// A file with no name a rule could have meant: a memfd, an O_TMPFILE or deleted file.
bool anonymous_image(std::string_view path);

// Does the policy have exec path rules (a path or access condition on execve or execveat)?
// Only then is there anything to judge at the exec event.
bool has_exec_path_rules(const Policy& policy);

struct ExecRefusal {
  Verdict verdict;
  std::string image;
};

// The first image the policy's exec rules refuse, judged as the call `nr` (execve or execveat,
// on `abi`) with that path: a deny or kill verdict of a path rule (not of `default`: the call's
// own path was allowed at the call, and an allow-list need not name loaders and symlink
// targets); an anonymous image that no path rule allowed by name; an image that is the same file
// (device and inode, from `file_id`) as a path a deny or kill exec rule names without globs.
// nullopt: every image may run.
// And, with `other_names`, an image that is the same file as a name under the literal directory
// a deny or kill glob starts with (`/srv/bin/**`: /srv/bin) that the glob matches: the
// callback lists the names of `image` under that directory (bounded; the tracer looks only when
// the file has other links at all).
using FileIdFn = std::function<std::optional<std::pair<dev_t, ino_t>>(const std::string&)>;
using OtherNamesFn =
    std::function<std::vector<std::string>(const ExecImage& image, const std::string& dir)>;
std::optional<ExecRefusal> judge_exec_images(const Policy& policy, Abi abi, std::int64_t nr,
                                             const std::vector<ExecImage>& images,
                                             const FileIdFn& file_id,
                                             const OtherNamesFn& other_names = {});

// The interpreter a `#!` line names (the kernel's reading: blanks skipped, the name ends at a
// blank or the line's end, within the first 256 bytes); nullopt: `head` is not a script.
std::optional<std::string> shebang_interpreter(std::string_view head);

// How deep the kernel follows interpreters that are scripts themselves (BINPRM_MAX_RECURSION).
inline constexpr int kMaxScriptDepth = 5;

// --- Files mapped executable after the exec (issue 17 item 3: `ld.so FILE`) ---------------------
// A program can run a file without execve: the loader given it as an argument, or any program,
// maps it PROT_EXEC itself. With exec path rules those mappings are judged like an exec image.

enum class ExecMapCall : std::uint8_t {
  none,
  mmap,         // mmap, mmap2 (i386): prot argument 2, flags 3, fd 4
  mprotect,     // mprotect, pkey_mprotect: prot argument 2 over [addr, addr + len)
  old_mmap,     // i386 mmap(2) with its arguments in memory another thread can change: refused
  personality,  // READ_IMPLIES_EXEC makes every PROT_READ mapping executable
};
ExecMapCall exec_map_call(const Syscall& call);

// The registers under which a call of that name (x86-64) maps nothing executable from a file:
// what the seccomp pre-filter lets run unseen when the policy has exec path rules. nullopt: not
// such a call. {} : it always stops.
std::optional<ArgAlternatives> exec_map_unseen(std::string_view name);

// Does this call ask for an executable mapping? `personality` is the caller's
// (/proc/PID/personality): with READ_IMPLIES_EXEC, PROT_READ is PROT_EXEC.
bool exec_map_wanted(const Syscall& call, unsigned long personality);

struct MappedFile {
  std::uint64_t start = 0, end = 0;
  bool exec = false;
  std::string path;  // as /proc/PID/maps names it; empty for anonymous memory
  std::pair<dev_t, ino_t> id{};
};

// The file-backed mappings of /proc/PID/maps that overlap [lo, hi), in order. Anonymous memory
// is left out, and so is memory that only looks like a file in maps: shared anonymous mappings
// ("/dev/zero (deleted)" with device 00:01) and System V segments ("/SYSV... (deleted)"): code
// written into memory is not a file an exec rule names.
std::vector<MappedFile> mapped_files(std::string_view maps, std::uint64_t lo, std::uint64_t hi);

}  // namespace xpledge
