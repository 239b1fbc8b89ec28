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
using FileIdFn = std::function<std::optional<std::pair<dev_t, ino_t>>(const std::string&)>;
std::optional<ExecRefusal> judge_exec_images(const Policy& policy, Abi abi, std::int64_t nr,
                                             const std::vector<ExecImage>& images,
                                             const FileIdFn& file_id);

}  // namespace xpledge
