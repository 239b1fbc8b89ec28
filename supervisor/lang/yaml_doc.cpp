#include "yaml_doc.hpp"

#include <algorithm>
#include <tuple>

namespace xpledge {

namespace {

// Errors in the order a reader meets them: the settings are read key by key (version, default,
// errno...), not in file order. Per file in the order the files were first named, then by line
// and column; a position-less error first in its file.
std::vector<Diagnostic> sorted(std::vector<Diagnostic> diags) {
  std::vector<std::string> files;
  for (const auto& d : diags)
    if (std::find(files.begin(), files.end(), d.pos.file) == files.end()) files.push_back(d.pos.file);
  const auto rank = [&](const Diagnostic& d) {
    return std::tuple(std::find(files.begin(), files.end(), d.pos.file) - files.begin(),
                      d.pos.line, d.pos.col);
  };
  std::stable_sort(diags.begin(), diags.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return rank(a) < rank(b); });
  return diags;
}

std::string join_diagnostics(const std::vector<Diagnostic>& diags) {
  std::string out;
  for (const auto& d : diags) {
    if (!out.empty()) out += '\n';
    out += d.format();
  }
  return out;
}

}  // namespace

std::string squote(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string kind_of(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null: return "null";
    case YAML::NodeType::Scalar: return "a scalar";
    case YAML::NodeType::Sequence: return "a sequence";
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Undefined: break;
  }
  return "nothing";
}

void DocReader::error(const SourcePos& pos, std::string message) {
  ++errors_;
  if (!full()) diags_.push_back({pos, std::move(message)});
}

SourcePos DocReader::pos_of(const YAML::Node& n) const {
  const YAML::Mark m = n.Mark();
  if (m.is_null()) return {file_, 0, 0};
  return {file_, m.line + 1, m.column + 1};
}

std::optional<YAML::Node> DocReader::parse_yaml(std::string_view yaml) {
  try {
    return YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    const SourcePos pos = e.mark.is_null() ? SourcePos{file_, 0, 0}
                                           : SourcePos{file_, e.mark.line + 1, e.mark.column + 1};
    error(pos, "invalid YAML: " + e.msg);
    return std::nullopt;
  }
}

bool DocReader::expect(const YAML::Node& n, YAML::NodeType::value type, std::string_view what) {
  if (n.Type() == type) return true;
  const char* want = type == YAML::NodeType::Sequence ? "a sequence"
                     : type == YAML::NodeType::Map    ? "a map"
                                                      : "a scalar";
  error(pos_of(n), std::string(what) + ": expected " + want + ", got " + kind_of(n));
  return false;
}

// A map's keys, checked: each a known scalar key, none twice. yaml-cpp keeps duplicate keys and
// node["k"] returns the first, so the map is walked here.
std::optional<KeyMap> DocReader::read_map(const YAML::Node& n, std::span<const std::string_view> keys,
                                       std::string_view what) {
  if (!expect(n, YAML::NodeType::Map, what)) return std::nullopt;
  KeyMap out;
  for (auto it = n.begin(); it != n.end(); ++it) {
    const SourcePos kpos = pos_of(it->first);
    if (!it->first.IsScalar()) {
      error(kpos, std::string(what) + ": expected a key name, got " + kind_of(it->first));
      continue;
    }
    const std::string key = it->first.Scalar();
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      error(kpos, "unknown key " + squote(key) + hint(key, keys));
      continue;
    }
    if (const auto prev = out.find(key); prev != out.end()) {
      error(kpos, "duplicate key " + squote(key) + " (first at " +
                      std::to_string(prev->second.pos.line) + ":" +
                      std::to_string(prev->second.pos.col) + ")");
      continue;
    }
    out.emplace(key, KeyEntry{kpos, it->second});
  }
  return out;
}

// `key: x` or `key: [x, y]`: the scalars, each checked.
std::vector<YAML::Node> DocReader::scalar_or_list(const YAML::Node& n, std::string_view what) {
  std::vector<YAML::Node> out;
  if (n.IsScalar()) {
    out.push_back(n);
    return out;
  }
  if (!n.IsSequence()) {
    error(pos_of(n), std::string(what) + ": expected a scalar or a sequence, got " + kind_of(n));
    return out;
  }
  if (n.size() == 0) error(pos_of(n), std::string(what) + ": empty list");
  for (const YAML::Node& item : n)
    if (expect(item, YAML::NodeType::Scalar, std::string(what) + " entry")) out.push_back(item);
  return out;
}

std::vector<Diagnostic> DocReader::take_diagnostics() { return sorted(std::move(diags_)); }

std::string Diagnostic::format() const {
  std::string out = pos.file;
  if (pos.line > 0) out += ":" + std::to_string(pos.line) + ":" + std::to_string(pos.col);
  return out + ": error: " + message;
}

PolicyError::PolicyError(std::vector<Diagnostic> diags)
    : std::runtime_error(join_diagnostics(diags)), diags_(std::move(diags)) {}

}  // namespace xpledge
