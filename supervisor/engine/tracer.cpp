#include "tracer.hpp"

#include "engine.hpp"

namespace xpledge {

RunResult run_supervised(const std::vector<std::string>& argv, const TracerOptions& options) {
  engine::Tracer tracer(options);
  return tracer.run(argv);
}

RunResult attach_supervised(pid_t pid, const TracerOptions& options) {
  TracerOptions opts = options;
  opts.use_seccomp = false;  // no pre-filter can be loaded into a running process
  engine::Tracer tracer(opts);
  return tracer.attach(pid);
}

}  // namespace xpledge
