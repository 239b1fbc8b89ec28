#pragma once
// The default policy's seccomp pre-filter (policies/default.yaml through build_prefilter),
// generated at build time by gen_default_prefilter: `xpledge run` without --policy loads these
// bytes instead of running libseccomp (~1.5 ms of CPU and ~60 page faults per start-up).
#include <span>

namespace xpledge {

std::span<const unsigned char> default_prefilter();

}  // namespace xpledge
