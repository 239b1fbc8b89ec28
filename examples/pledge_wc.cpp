// pledge_wc: the usual shape of a pledged program, in C++: open every input first, pledge
// "stdio", then count lines, words and bytes from the streams already open. Opening one more
// file afterwards (an output file, here) fails with EPERM under `xpledge run`.
//
//   pledge_wc_cpp FILE...
//
// xpledge::Pledge wraps the C call: it throws std::system_error on a real error and reports
// "not supervised" (ENOSYS, only with XPLEDGE_REQUIRE_SUPERVISOR=1: otherwise libxpledge confines
// the program itself) as a state the program can decide about.
#include <xpledge.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <system_error>
#include <vector>

namespace {

enum class PledgeResult { enforced, unsupervised };

PledgeResult pledge(const char* promises, const char* execpromises = nullptr) {
  if (::xpledge(promises, execpromises) == 0) return PledgeResult::enforced;
  if (errno == ENOSYS) return PledgeResult::unsupervised;
  throw std::system_error(errno, std::generic_category(), std::string("xpledge ") + promises);
}

struct Counts {
  std::size_t lines = 0, words = 0, bytes = 0;
};

// Like wc(1): newlines, whitespace-separated words, bytes.
Counts count(std::istream& in) {
  Counts c;
  bool in_word = false;
  for (char ch; in.get(ch);) {
    ++c.bytes;
    if (ch == '\n') ++c.lines;
    const bool space = ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
    if (!space && !in_word) ++c.words;
    in_word = !space;
  }
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  // 1. Acquire: open every input while unrestricted.
  std::vector<std::pair<std::string, std::ifstream>> inputs;
  for (int i = 1; i < argc; ++i) {
    inputs.emplace_back(argv[i], std::ifstream(argv[i], std::ios::binary));
    if (!inputs.back().second) {
      std::perror(argv[i]);
      return 1;
    }
  }
  // 2. Pledge.
  try {
    if (pledge("stdio") == PledgeResult::unsupervised)
      std::cout << "not supervised (xpledge: ENOSYS): running unrestricted\n";
  } catch (const std::system_error& e) {
    std::cerr << "pledge_wc: " << e.what() << '\n';
    return 1;
  }
  // 3. Work on what is open.
  for (auto& [name, in] : inputs) {
    const Counts c = count(in);
    std::cout << c.lines << ' ' << c.words << ' ' << c.bytes << ' ' << name << '\n';
  }
  std::ofstream out("pledge_wc.out");
  std::cout << "opening pledge_wc.out after the pledge: "
            << (out ? "opened" : std::error_code(errno, std::generic_category()).message())
            << '\n';
  return 0;
}
