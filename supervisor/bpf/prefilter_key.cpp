#include "prefilter_key.hpp"

#include <charconv>

#include "prefilter.hpp"
#include "syscalls.hpp"

namespace xpledge {

namespace {

template <typename Int>
void append_number(std::string& out, Int v, int base = 10) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, base);
  out.append(buf, r.ptr);
}

void append_grants(std::string& key, const ArgAlternatives& alts) {
  for (const auto& alt : alts) {
    key += " |";
    for (const ArgTest& t : alt) {
      key += ' ';
      append_number(key, t.arg);
      key += t.at_most ? "<=" : "=";
      append_number(key, t.value, 16);
      key += '/';
      append_number(key, t.mask, 16);
      if (t.value_is_self) key += 's';
    }
  }
}

}  // namespace

// Every answer build_prefilter may ask for, whether or not abi_filter_with asks it for that
// call (it asks for grants on x86-64 only, for instance): a key that tells more apart than the
// filter does only costs a miss. The names come from the tables of the libseccomp linked now,
// so a filter built against other tables never matches. Appended by hand, not formatted: this
// runs at every start-up (~1,300 calls).
std::string prefilter_key(const Policy& policy, const LandlockPlan* landlock) {
  const PrefilterQuestions q(policy, landlock);
  std::string key = "xpledge-prefilter-key 2\n";
  key.reserve(32 * 1024);
  for (Abi abi : kAllAbis) {
    key += "abi ";
    key += abi_name(abi);
    key += q.abi_allowed(abi) ? " 1\n" : " 0\n";
    if (!q.abi_allowed(abi)) continue;
    for (const std::string& name : syscall_names(abi)) {
      const auto nr = syscall_nr(abi, name);
      if (!nr) continue;
      const bool all = q.allows(abi, *nr);
      key += name;
      key += ' ';
      append_number(key, *nr);
      key += all ? " A" : " -";
      if (!all) append_grants(key, q.grants(abi, *nr));
      key += '\n';
    }
  }
  return key;
}

std::uint64_t key_hash(std::string_view key) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : key) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace xpledge
