#pragma once
// Binding a loaded policy's path rules to the filesystem as it is at load time, the way a
// Landlock rule is bound to the inode its path names: the one place the policy value depends on
// more than its text (issue 17). Done once, right after loading, before any tracee exists.
#include <string>
#include <string_view>
#include <vector>

#include "path_match.hpp"  // glob_literal_prefix: pure, so it lives in rules/
#include "policy.hpp"

namespace xpledge {

// Fills Rule::bound_paths, Rule::file_ids and Impl::dir_anchors from the filesystem.
void bind_rule_paths(Policy::Impl& impl);

// The nameservers `addr: [nameservers]` means (dns): those of the resolv.conf file now, as the
// resolver reads it (nameservers_of_resolv_conf). Read once, like the paths.
std::vector<AddrRange> bound_nameservers(const std::string& resolv_conf);

// A loaded policy (lang/ reads only its text) with its path rules bound, and the nameservers
// of /etc/resolv.conf: what `run`, `attach`, `check` and `learn --base` use, bound once before
// any tracee exists.
Policy bound_to_filesystem(const Policy& policy);

// The anchor's directory is no longer at the path the policy found it at (renamed away).
bool anchor_moved(const DirAnchor& a);

// A file a deny or kill rule names without globs, or a directory such a rule is rooted at.
bool bound_by_deny_rule(const Policy::Impl& impl, const FileId& id);

}  // namespace xpledge
