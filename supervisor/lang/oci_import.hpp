#pragma once
// `xpledge import oci FILE.json`: convert a Docker/OCI seccomp profile (moby's format:
// defaultAction, defaultErrnoRet, architectures/archMap, syscalls[].names/action/args/errnoRet,
// includes/excludes of caps, arches, minKernel) into an xpledge policy (YAML, version 1).
// An offline converter, not a runtime format: includes/excludes are decided here, for the
// capabilities and kernel given, on an x86-64 host. Pure apart from reading the file.
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace xpledge {

struct OciImportOptions {
  // Capabilities the container would have ("CAP_SYS_ADMIN" or "sys_admin"): entries that
  // include or exclude by capability are decided against this list. Empty: none (the profile
  // as for an unprivileged container with every capability dropped).
  std::vector<std::string> caps;
  // Kernel version entries' minKernel is compared with ("6.1", or a uname release
  // "6.1.0-18-amd64"). Empty: every minKernel counts as met, with a warning.
  std::string kernel;
};

// The profile is not converted: it is not strict JSON, has no defaultAction, names an action,
// argument op, capability, architecture, key or system call the importer does not know (a
// misspelling must not turn into a dropped rule: the import fails closed), or a default that
// needs a notification listener.
class OciImportError : public std::runtime_error {
 public:
  // One reason without a position (the file cannot be read, a bad --caps or --kernel).
  explicit OciImportError(const std::string& reason);
  // Every problem found, positioned, in file order: "p.json:12:18: error: unknown action
  // 'SCMP_ACT_ERRNOO' (did you mean 'SCMP_ACT_ERRNO'?)".
  explicit OciImportError(std::vector<std::string> errors);
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::vector<std::string> errors_;
};

// The policy as YAML text. What cannot be expressed, or is decided here, is written as YAML
// comments; what changes behaviour (an approximated action, an entry for other capabilities or
// another arch, another architecture's call names) is also appended to `warnings`, one line
// each, without the "xpledge: " prefix.
std::string import_oci_profile(const std::string& json_path, const OciImportOptions& options,
                               std::vector<std::string>& warnings);
// The same from the profile's text; `name` is used in messages and the header comment.
std::string import_oci_profile_text(std::string_view json, const std::string& name,
                                    const OciImportOptions& options,
                                    std::vector<std::string>& warnings);

}  // namespace xpledge
