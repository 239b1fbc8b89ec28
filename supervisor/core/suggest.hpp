#pragma once
// "Did you mean ...?" for misspelt names: the policy loader's keys, syscalls and constants,
// `import oci`'s actions, ops, capabilities and keys, and the command line's subcommands and
// options. One bounded edit distance for all of them. Pure.
#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

namespace xpledge {

// Optimal-string-alignment distance (a transposition is one edit) if it is at most `limit`,
// otherwise limit + 1. Bounded: the distance is at least the difference in length, so a word
// much longer than `b` costs nothing, and the search ends at the first row whose every cell is
// over the limit (the distance can only grow from there). Three rows of b.size() + 1 cells.
std::size_t edit_distance_within(std::string_view a, std::string_view b, std::size_t limit);

// The closest candidate within one edit (short words) or two, or empty; the first one wins a
// tie. A word longer than the longest candidate plus the budget can match none: no search.
template <typename Range>
std::string closest(std::string_view word, const Range& candidates) {
  const std::size_t budget = word.size() <= 4 ? 1 : 2;
  std::size_t longest = 0;
  for (const auto& c : candidates) longest = std::max(longest, std::string_view(c).size());
  if (word.size() > longest + budget) return {};
  std::string best;
  std::size_t best_d = budget + 1;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance_within(word, c, best_d - 1);
    if (d < best_d) {
      best_d = d;
      best = std::string(c);
      if (d == 0) break;
    }
  }
  return best;
}

// " (did you mean 'x'?)", or empty for an empty suggestion.
std::string did_you_mean(const std::string& suggestion);

}  // namespace xpledge
