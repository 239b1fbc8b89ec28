// 'include:': another policy file's rules (or the built-in default's), after this file's own,
// with cycles and unreadable, irregular or oversized files reported where they are named.
#include <cstring>

#include "loader.hpp"
#include "policy_text.hpp"

namespace xpledge::embedded {
extern const std::string_view default_policy_yaml;
}

namespace xpledge {

void Loader::include_file(const YAML::Node& entry, Lists& lists) {
  namespace fs = std::filesystem;
  const SourcePos at = pos_of(entry);
  // The built-in default policy's rules (its settings stay its own): what `xpledge learn`
  // starts from, so that a learned allow-list keeps the default's denies and argument limits.
  const bool builtin = entry.Scalar() == kBuiltinDefault;
  const fs::path display = builtin ? fs::path("<default>")
                                   : (fs::path(file_).parent_path() / entry.Scalar()).lexically_normal();
  std::error_code ec;
  const fs::path real = builtin ? display : fs::weakly_canonical(display, ec);
  if (std::find(stack_real_.begin(), stack_real_.end(), real) != stack_real_.end()) {
    std::string chain;
    const auto first = std::find(stack_real_.begin(), stack_real_.end(), real) - stack_real_.begin();
    for (auto i = static_cast<std::size_t>(first); i < stack_display_.size(); ++i)
      chain += stack_display_[i] + " -> ";
    error(at, "include cycle: " + chain + display.string());
    return;
  }
  const PolicyText text = builtin ? PolicyText{std::string(embedded::default_policy_yaml)}
                                  : read_included_policy(display);
  switch (text.problem) {
    case PolicyText::Problem::none: break;
    case PolicyText::Problem::unreadable:
      error(at, "cannot read included policy " + squote(display.string()) + ": " +
                    std::strerror(text.err));
      return;
    case PolicyText::Problem::not_regular:
      error(at, "include " + squote(display.string()) + " is not a regular file");
      return;
    case PolicyText::Problem::too_big:
      error(at, "include " + squote(display.string()) + " is larger than " +
                    std::string(kMaxPolicySize));
      return;
  }

  const std::string saved = file_;
  file_ = display.string();
  stack_display_.push_back(file_);
  stack_real_.push_back(real);
  if (const auto root = parse_yaml(text.text)) {
    if (root->IsNull() || !root->IsDefined()) {
      error({file_, 1, 1}, "empty policy: expected a map with 'version'");
    } else if (const auto keys = read_map(*root, kTopKeys, "policy")) {
      read_version(*keys, *root);
      for (std::string_view k : kTopOnlyKeys)
        if (const auto it = keys->find(std::string(k)); it != keys->end() && !builtin)
          error(it->second.pos, squote(k) + " can only be set in the top-level policy, not in an "
                                            "included file");
      read_rules(*keys, lists);
    }
  }
  stack_real_.pop_back();
  stack_display_.pop_back();
  file_ = saved;
}

void Loader::read_includes(const KeyMap& m, Lists& lists) {
  const auto it = m.find("include");
  if (it == m.end()) return;
  if (!expect(it->second.value, YAML::NodeType::Sequence, "'include'")) return;
  for (const YAML::Node& n : it->second.value) {
    if (full()) return;
    if (expect(n, YAML::NodeType::Scalar, "'include' entry")) include_file(n, lists);
  }
}

// This file's own rules first, then its includes' in order: within a list the first match
// wins, so the including (more specific) file's rule is the one that decides.
void Loader::read_rules(const KeyMap& m, Lists& lists) {
  read_lists(m, lists);
  read_includes(m, lists);
}

}  // namespace xpledge
