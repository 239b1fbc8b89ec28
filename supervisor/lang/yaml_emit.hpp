#pragma once
// The one writer of policy YAML: `xpledge learn` (also after --merge) and `import oci` build a
// PolicyDoc, a policy file as data with its comments, and emit_yaml() prints it in the shape
// policies/*.yaml and docs/policy.md use, which load_policy_string reads back. Pure.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xpledge {

struct DocArg {
  std::uint64_t index = 0;
  std::string op;  // eq, ne, ..., mask_all, mask_none
  std::uint64_t value = 0;
};

// One entry of a list: a promise name, or a rule. Written as the shortest form that says it:
// a bare name (with `note` as a trailing comment), a flow map when it has args or errno, a
// block map when it has paths.
struct DocItem {
  std::string name;  // the promise, or the rule's syscall
  std::string access;
  std::vector<std::string> paths;
  std::vector<DocArg> args;
  std::string errno_name;
  std::string note;
};

// Comment lines (each starting with '#') written above the item, if there is one.
struct DocEntry {
  std::vector<std::string> comments;
  std::optional<DocItem> item;
};

struct DocList {
  std::string key;  // promises, allow, deny, kill, log
  std::vector<DocEntry> entries;
};

struct PolicyDoc {
  std::vector<std::string> header;  // comment lines above 'version'
  std::string default_action;
  std::string errno_name;
  std::vector<std::string> abis;  // empty: no 'abis' key (x86_64 only)
  std::vector<std::string> include_comments;
  std::vector<std::string> include;  // empty: no 'include' key
  std::vector<DocList> lists;        // in this order; an empty list is not written
  std::vector<std::string> trailer;  // comment lines at the end
};

std::string emit_yaml(const PolicyDoc& doc);

// `words` as comment lines of at most about `width` columns: the first starts with `first`,
// the others with `next`, each word after one space. A word is never split, and a line holds at
// least one word.
std::vector<std::string> wrap_comment(std::string_view first, std::string_view next,
                                      const std::vector<std::string>& words,
                                      std::size_t width = 96);
// The words of `text` split at every space, as wrap_comment takes them.
std::vector<std::string> comment_words(std::string_view text);

// A path pattern as a YAML scalar: plain when that is unambiguous, else double-quoted.
std::string yaml_scalar(std::string_view s);

}  // namespace xpledge
