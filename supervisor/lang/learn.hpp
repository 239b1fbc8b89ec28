#pragma once
// `xpledge learn`: record what a program does (every ABI, syscall, resolved path and access, of
// every process) through the tracer's CallObserver hook, and write the policy that lets it do
// exactly that again: deterministic, sorted, commented YAML that load_policy_string accepts.
// Pure: no I/O, no kernel; cli/learn_command.cpp runs the program and writes the file.
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "observer.hpp"
#include "policy.hpp"

namespace xpledge {

// What the file system says about a recorded path when learn writes the policy.
enum class PathKind : std::uint8_t { missing, file, directory };

struct LearnOptions {
  // The recorded command line, for the header comment ("# run: ls -l /etc").
  std::vector<std::string> command;
  std::string version;  // xpledge's version, for the header
  // Paths below $HOME are generalised to HOME/<first component>/**. Empty or "/": not at all.
  std::string home;
  // Temporary directories: random and pid parts of names below them become `*`. The CLI adds
  // $TMPDIR.
  std::vector<std::string> temp_dirs{"/tmp", "/var/tmp", "/dev/shm"};
  // Named in the header only: the --base policy's file (recording already skipped what it
  // allows).
  std::string base_name;
  // $PATH's directories: a name looked up there that does not exist is a search (a shell,
  // execvp, gcc looking for `as`) through this machine's PATH, not a need of the program.
  std::vector<std::string> path_dirs;
  // The files the kernel reads to start the command xpledge runs (the program, its ELF or `#!`
  // interpreter), as real paths: Landlock lets the sandbox read them, so the policy's opens may
  // read them too (readable_by_opens). The CLI sets them.
  std::vector<std::string> first_exec;
  // lstat of a recorded path when the policy is written (the CLI sets it). Unset: every path is
  // taken as an existing file (the unit tests).
  std::function<PathKind(const std::string&)> path_kind;
};

// The policy the tracer enforces while learning: everything allowed, on every ABI, so that the
// program runs as it would unsupervised. Run it with use_seccomp = false (or a pre-filter that
// stops every call): the Learner sees only calls that stop.
Policy learning_policy();

class Learner final : public CallObserver {
 public:
  // base: --base POLICY; calls it allows (allow or log) are not recorded. Not owned; must
  // outlive the Learner's on_call()s.
  explicit Learner(const Policy* base = nullptr);

  bool wants_paths() const override { return true; }
  void on_call(const CallRecord& record) override;

  // --merge FILE: add an earlier learned policy's needs (promises, names, path rules, abis, and
  // its header's "# run:" lines and "covers:" comments) to this run's. `yaml` is the file's
  // text, `name` its path for messages. Throws PolicyError if it does not load, and
  // std::runtime_error ("file:line:col: ...") for keys learn never writes (deny, kill, log,
  // include, pledge, args, errno on rules), which a merge would otherwise silently drop.
  void merge_policy(std::string_view yaml, const std::string& name);

  // The policy: version 1, default deny, errno EPERM (or the merged file's), promises, allow
  // by name, path rules. Things that cannot be written (a syscall number libseccomp does not
  // name, a path that is not valid UTF-8) become comments and, if `warnings` is given, one line
  // each there.
  std::string policy_yaml(const LearnOptions& options,
                          std::vector<std::string>* warnings = nullptr) const;

  std::uint64_t calls_seen() const { return calls_; }
  std::uint64_t calls_skipped_by_base() const { return skipped_by_base_; }

  // A path argument as recorded (after the tracer's lexical normalisation).
  struct RecordedPath {
    std::string path;
    Access access = Access::read;
    int err = 0;
    auto operator<=>(const RecordedPath&) const = default;
  };
  // One distinct call: what the output depends on.
  struct Shape {
    Abi abi = Abi::x86_64;
    std::int64_t nr = -1;
    std::uint64_t promises = 0;  // bit i: catalogue promise i alone allows this call
    std::vector<RecordedPath> paths;
    auto operator<=>(const Shape&) const = default;
  };

  using PathRules = std::map<std::pair<std::string, std::string>, std::set<std::string>>;
  // What --merge read, added to this run's needs when writing.
  struct Merged {
    std::vector<std::string> runs;  // "# run:" lines, in order
    std::set<std::string> promises;
    std::map<std::string, std::set<std::string>> covers;  // promise -> call names
    std::set<std::string> names;
    PathRules path_rules;  // (syscall, access or "") -> patterns
    std::set<Abi> abis;
    std::string default_action;
    std::string errno_name;
  };

 private:
  const Policy* base_;
  std::uint64_t calls_ = 0;
  std::uint64_t skipped_by_base_ = 0;
  std::set<Shape> shapes_;
  std::set<pid_t> pids_;  // every traced tgid and tid: /proc/<pid> and temp-name generalisation
  Merged merged_;
};

// The comments learn writes and --merge reads back: "# run: CMD" in the header, and
// "  # NAME covers: CALLS" above each promise.
inline constexpr std::string_view kLearnRunComment = "# run: ";
inline constexpr std::string_view kLearnCoversComment = " covers:";

// ---- Pieces of the generalisation, exposed for the unit tests ------------------------------

// `path` with glob metacharacters (* ? [ ] \) escaped, so that it matches only itself.
std::string glob_escape(std::string_view path);
// A pattern glob_escape could have written: no unescaped wildcard. And the path it matches.
bool glob_is_literal(std::string_view pattern);
std::string glob_unescape(std::string_view pattern);
// One component of a name below a temporary directory with its random part (mkstemp's
// XXXXXX, gcc's ccXXXXXX, Python's tmpXXXXXXXX, mktemp's tmp.XXXXXXXXXX) and any traced pid
// replaced by `*`; already glob-escaped. E.g. "ccAbC123.s" -> "cc*.s".
std::string generalise_temp_component(std::string_view component,
                                      const std::set<std::string>& pids);
struct GeneralisedPath {
  std::string pattern;
  std::string why;  // "" for a literal path; else which generalisation applied
};
// The pattern a recorded path becomes in a path rule (see the header comment learn writes).
GeneralisedPath generalise_path(std::string_view path, Access access,
                                const std::set<std::string>& pids, const LearnOptions& options);


// ---- Directory trees (lang/learn_trees.cpp) -------------------------------------------------

// May a learned rule hold DIR/** (or DIR/*)? Not for a directory less than two levels deep,
// below /proc, /sys, /dev or /run, containing or inside a secret of the machine (/etc/shadow,
// /etc/ssh, /etc/ssl/private, /root...) or a credential store (.ssh, .gnupg...), nor a home
// (/home/USER, $HOME) or above one.
bool learn_tree_allowed(std::string_view dir, const LearnOptions& options);
// This many sibling trees under one directory become that directory's tree.
inline constexpr std::size_t kLearnSiblingTrees = 3;
// A credential store's name (".ssh", ".gnupg", ".aws"...): never inside a glob.
bool learn_credential_name(std::string_view name);
// The literal patterns of each read, write or create rule widened to their directory's tree
// (see the header comment learn writes); exec rules stay literal.
void generalise_trees(Learner::PathRules& groups, const LearnOptions& options);
// What the tracee's Landlock domain lets an open read is what the policy's open and openat
// read rules must allow for Landlock to decide those opens alone (bpf/landlock_plan, level b):
// the files executed and the command's own files (the kernel reads them to run them), and what
// open, openat and openat2 may write or create (an O_RDWR open reads). Added to the read rules
// of open (when the policy has one) and openat.
void readable_by_opens(Learner::PathRules& groups, const LearnOptions& options);
// A search along $PATH (execve, access or stat of a name that does not exist in one of
// options.path_dirs), not a need of the program.
bool learn_path_probe(std::string_view call, std::string_view path, const LearnOptions& options);

}  // namespace xpledge
