#include "cli.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string_view>

#include "learn.hpp"

namespace xpledge::cli {

namespace {


xpledge::LearnOptions learn_options(const LearnArgs& a) {
  xpledge::LearnOptions o;
  o.command = a.cmd;
  o.version = XPLEDGE_VERSION;
  if (const char* home = std::getenv("HOME")) o.home = home;
  if (const char* tmp = std::getenv("TMPDIR"); tmp && *tmp) {
    std::string dir = tmp;
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    if (std::find(o.temp_dirs.begin(), o.temp_dirs.end(), dir) == o.temp_dirs.end())
      o.temp_dirs.push_back(dir);
  }
  o.base_name = a.base;
  // Landlock reads them to start the program (cli/supervise.cpp): the policy's opens may too.
  for (const std::string& f : first_exec_files(a.cmd.empty() ? std::string() : a.cmd.front())) {
    if (char* real = realpath(f.c_str(), nullptr)) {
      o.first_exec.emplace_back(real);
      std::free(real);
    }
  }
  if (const char* path = std::getenv("PATH")) {
    for (std::string_view rest = path; !rest.empty();) {
      const std::size_t colon = std::min(rest.find(':'), rest.size());
      if (colon > 0) {
        const std::string dir(rest.substr(0, colon));
        o.path_dirs.push_back(dir);
        // The supervisor records a program's path as the kernel resolved it
        // (/usr/local/cuda -> /usr/local/cuda-13.0): the real directory too.
        if (char* real = realpath(dir.c_str(), nullptr)) {
          if (dir != real) o.path_dirs.emplace_back(real);
          std::free(real);
        }
      }
      rest.remove_prefix(std::min(colon + 1, rest.size()));
    }
  }
  // The file system as the program left it, when the policy is written (no symlink followed,
  // like the paths the supervisor records).
  o.path_kind = [](const std::string& p) {
    struct stat st {};
    if (lstat(p.c_str(), &st) != 0) return xpledge::PathKind::missing;
    return S_ISDIR(st.st_mode) ? xpledge::PathKind::directory : xpledge::PathKind::file;
  };
  return o;
}

// `learn -o -`: the policy on standard output, asked for explicitly.
constexpr std::string_view kStdout = "-";

bool write_output(const std::string& path, const std::string& text) {
  if (path == kStdout) {
    std::cout << text << std::flush;
    return true;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (out) return true;
  say(fmt::format("error: cannot write {}: {}", path, std::strerror(errno)));
  return false;
}

}  // namespace

int do_learn(const LearnArgs& a) {
  if (a.output.empty()) {
    // CMD's own output goes to standard output: a policy written there too would be mixed into
    // it (`learn -- CMD > file`). So the policy goes to -o FILE only; -o - asks for stdout.
    say("error: learn needs -o FILE: CMD's own output goes to standard output, the policy is "
        "not mixed into it (-o - writes it there after CMD has finished)");
    std::fprintf(stderr, "%sTry 'xpledge learn --help'.\n", journal_prefix(kPriorityErr));
    return kExitFailure;
  }
  if (!kernel_supported()) return kExitFailure;
  // Everything is validated before CMD exists: the base policy, the merged file, the output.
  std::optional<xpledge::Policy> base;
  if (!a.base.empty() && !(base = load_policy(a.base))) return kExitFailure;
  xpledge::Learner learner(base ? &*base : nullptr);
  if (!a.merge.empty()) {
    const auto text = read_text_file(a.merge);
    if (!text) return kExitFailure;
    try {
      learner.merge_policy(*text, a.merge);
    } catch (const xpledge::PolicyError& e) {
      print_policy_error(e, a.merge, "not starting the command");
      return kExitFailure;
    } catch (const std::exception& e) {
      say(fmt::format("error: {}", e.what()));
      return kExitFailure;
    }
  }
  if (a.output != kStdout) {
    // Not truncated yet (it may be the --merge file, or CMD may fail to start).
    const int fd = open(a.output.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
      say(fmt::format("error: cannot write {}: {}", a.output, std::strerror(errno)));
      return kExitFailure;
    }
    close(fd);
  }
  auto log = open_log(LogArgs{});
  if (!log) return kExitFailure;
  const xpledge::Policy everything = xpledge::learning_policy();
  xpledge::TracerOptions opts;
  opts.policy = &everything;
  opts.log = &*log;
  opts.use_seccomp = false;  // the learner sees only calls that stop: all of them
  opts.observers.push_back(&learner);
  const xpledge::RunResult r = xpledge::run_supervised(a.cmd, opts);
  if (r.kind == xpledge::RunResult::Kind::spawn_failed) return exit_status(r, *log);
  std::vector<std::string> warnings;
  const std::string yaml = learner.policy_yaml(learn_options(a), &warnings);
  for (const auto& w : warnings) log->warn(w);
  if (!write_output(a.output, yaml)) return kExitFailure;
  return exit_status(r, *log);
}

}  // namespace xpledge::cli
