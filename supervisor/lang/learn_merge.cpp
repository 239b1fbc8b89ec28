// Learner::merge_policy (`learn --merge FILE`): an earlier learned policy's needs, read back.
// It reads the file, not the Policy value load_policy_string makes of it: the Policy has neither
// the comments learn writes ("# run:", "covers:") nor the keys as written, and a key learn
// never writes must be refused at its position instead of being dropped or merged silently.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <stdexcept>

#include "learn.hpp"
#include "policy_load.hpp"

namespace xpledge {

namespace {

[[noreturn]] void merge_error(const std::string& name, const YAML::Node& n, const std::string& what) {
  const YAML::Mark m = n.Mark();
  std::string pos = name;
  if (!m.is_null()) pos += ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
  throw std::runtime_error(pos + ": --merge: " + what);
}

std::vector<std::string> scalars(const YAML::Node& n) {
  std::vector<std::string> out;
  if (n.IsScalar()) out.push_back(n.Scalar());
  else if (n.IsSequence())
    for (const auto& x : n) out.push_back(x.Scalar());
  return out;
}

// One entry of 'allow': a name, or {syscall, access, path} as learn writes it.
void merge_allow_entry(const YAML::Node& rule, const std::string& name, Learner::Merged& m) {
  if (rule.IsScalar()) {
    m.names.insert(rule.Scalar());
    return;
  }
  std::string syscall, access;
  std::vector<std::string> paths;
  for (const auto& rk : rule) {
    const std::string k = rk.first.Scalar();
    if (k == "syscall") syscall = rk.second.Scalar();
    else if (k == "access") access = rk.second.Scalar();
    else if (k == "path") paths = scalars(rk.second);
    else
      merge_error(name, rk.first,
                  "'" + k + "' in a rule is not something learn writes; merge this rule by hand");
  }
  if (paths.empty())
    merge_error(name, rule, "a rule without 'path' is not something learn writes; merge it by hand");
  m.path_rules[{syscall, access}].insert(paths.begin(), paths.end());
}

void merge_key(const std::string& key, const YAML::Node& key_node, const YAML::Node& v,
               const std::string& name, Learner::Merged& m) {
  if (key == "version") return;
  if (key == "default") {
    m.default_action = v.Scalar();
  } else if (key == "errno") {
    m.errno_name = v.Scalar();
  } else if (key == "abis") {
    for (const auto& a : scalars(v))
      if (const auto abi = abi_from_name(a)) m.abis.insert(*abi);
  } else if (key == "promises") {
    for (const auto& p : scalars(v)) m.promises.insert(p);
  } else if (key == "include" && v.IsSequence() && v.size() == 1 && v[0].IsScalar() &&
             v[0].Scalar() == kBuiltinDefault) {
    return;  // what learn writes itself
  } else if (key == "allow") {
    for (const auto& rule : v) merge_allow_entry(rule, name, m);
  } else {
    merge_error(name, key_node,
                "'" + key + "' is not something learn writes (it would be dropped); merge it by "
                "hand");
  }
}

void add_words(std::string_view words, std::set<std::string>& to) {
  std::size_t i = 0;
  while (i < words.size()) {
    const std::size_t j = std::min(words.find(' ', i), words.size());
    if (j > i) to.insert(std::string(words.substr(i, j - i)));
    i = j + 1;
  }
}

// The comments learn writes: "# run: CMD" and "  # NAME covers: calls" (+ "  #   more").
void merge_comments(std::string_view yaml, Learner::Merged& m) {
  const std::string covers = std::string(kLearnCoversComment) + " ";
  std::string current;
  std::size_t start = 0;
  while (start < yaml.size()) {
    const std::size_t end = std::min(yaml.find('\n', start), yaml.size());
    const std::string_view line = yaml.substr(start, end - start);
    start = end + 1;
    if (line.starts_with(kLearnRunComment)) {
      const std::string run(line.substr(kLearnRunComment.size()));
      if (std::find(m.runs.begin(), m.runs.end(), run) == m.runs.end()) m.runs.push_back(run);
      current.clear();
      continue;
    }
    const std::size_t at = line.find(covers);
    std::string_view words;
    if (line.starts_with("  # ") && at != std::string_view::npos &&
        line.substr(4).find(' ') == at - 4) {
      current = std::string(line.substr(4, at - 4));
      words = line.substr(at + covers.size());
    } else if (!current.empty() && line.starts_with("  #   ")) {
      words = line.substr(6);
    } else {
      current.clear();
      continue;
    }
    add_words(words, m.covers[current]);
  }
}

}  // namespace

void Learner::merge_policy(std::string_view yaml, const std::string& name) {
  (void)load_policy_string(yaml, name);  // every positioned error first (PolicyError)
  const YAML::Node root = YAML::Load(std::string(yaml));
  for (const auto& kv : root) merge_key(kv.first.Scalar(), kv.first, kv.second, name, merged_);
  merge_comments(yaml, merged_);
}

}  // namespace xpledge
