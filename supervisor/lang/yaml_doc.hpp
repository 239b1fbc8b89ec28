#pragma once
// The policy loader's document layer: YAML nodes with their file:line:col, maps checked for
// known and repeated keys, and the diagnostics collected while reading (the first
// kMaxDiagnostics). It knows nothing of what a policy means.
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "policy_load.hpp"
#include "suggest.hpp"

namespace xpledge {

struct KeyEntry {
  SourcePos pos;  // of the key
  YAML::Node value;
};
using KeyMap = std::map<std::string, KeyEntry>;


std::string squote(std::string_view s);
// "null", "a scalar", "a sequence", "a map" or "nothing", for messages.
std::string kind_of(const YAML::Node& n);

class DocReader {
 public:
  static constexpr std::size_t kMaxDiagnostics = 20;

 protected:
  // Diagnostics and positions (in the file being read now).
  void error(const SourcePos& pos, std::string message);
  // The diagnostic cap is reached: nothing more is collected, so reading further is pointless.
  bool full() const { return diags_.size() >= kMaxDiagnostics; }
  // " (did you mean 'x'?)", or empty; not computed once the cap is reached.
  template <typename Range>
  std::string hint(std::string_view word, const Range& candidates) const {
    return full() ? std::string() : did_you_mean(closest(word, candidates));
  }
  SourcePos pos_of(const YAML::Node& n) const;
  bool expect(const YAML::Node& n, YAML::NodeType::value type, std::string_view what);
  std::optional<YAML::Node> parse_yaml(std::string_view yaml);
  std::optional<KeyMap> read_map(const YAML::Node& n, std::span<const std::string_view> keys,
                                 std::string_view what);
  std::vector<YAML::Node> scalar_or_list(const YAML::Node& n, std::string_view what);
  // The diagnostics so far, in the order a reader meets them (see yaml_doc.cpp).
  std::vector<Diagnostic> take_diagnostics();

  std::string file_;               // the file being read, as displayed
  std::vector<Diagnostic> diags_;  // the first kMaxDiagnostics errors
  std::size_t errors_ = 0;         // all errors, also those past the cap
};

}  // namespace xpledge
