#include "arg_grants.hpp"

#include <fcntl.h>

#include <algorithm>
#include <optional>

#include "syscalls.hpp"

namespace xpledge {

namespace {

constexpr std::uint64_t kLow32 = 0xffffffffULL;
constexpr std::uint64_t kAll = ~std::uint64_t{0};

ArgTest masked(unsigned arg, std::uint64_t mask, std::uint64_t value) {
  return {arg, false, mask, value & mask};
}
ArgTest at_most(unsigned arg, std::uint64_t value) { return {arg, true, kAll, value}; }

// Each test alone is one alternative.
ArgAlternatives each(const std::vector<ArgTest>& tests) {
  ArgAlternatives out;
  for (const ArgTest& t : tests) out.push_back({t});
  return out;
}

// One alternative per set bit of `bits`: that bit equal to `set ? 1 : 0`.
ArgAlternatives per_bit(unsigned arg, std::uint64_t bits, bool set) {
  ArgAlternatives out;
  for (unsigned b = 0; b < 64; ++b)
    if (bits & (std::uint64_t{1} << b)) {
      const std::uint64_t bit = std::uint64_t{1} << b;
      out.push_back({masked(arg, bit, set ? bit : 0)});
    }
  return out;
}

// The low half of the argument is none of `values` (low halves taken).
ArgAlternatives low_not_in(unsigned arg, std::vector<std::uint64_t> values) {
  for (auto& v : values) v &= kLow32;
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  std::vector<ArgTest> out;
  std::uint64_t lo = 0;
  for (std::uint64_t v : values) {
    if (v > lo) {
      const auto part = low_range(arg, lo, v - 1);
      out.insert(out.end(), part.begin(), part.end());
    }
    lo = v + 1;
  }
  if (lo <= kLow32) {
    const auto part = low_range(arg, lo, kLow32);
    out.insert(out.end(), part.begin(), part.end());
  }
  return each(out);
}

// Two tests of one argument as one, when both are masks; nullopt when they cannot both hold
// or cannot be written as one test (then the alternative is dropped: it keeps stopping).
std::optional<ArgTest> merge(const ArgTest& a, const ArgTest& b) {
  if (a.at_most && b.at_most) return at_most(a.arg, std::min(a.value, b.value));
  if (a.at_most || b.at_most) return std::nullopt;
  const std::uint64_t both = a.mask & b.mask;
  if ((a.value & both) != (b.value & both)) return std::nullopt;
  return masked(a.arg, a.mask | b.mask, a.value | b.value);
}

// A condition's argument, its (first) value and that value's low half.
struct Operand {
  unsigned arg;
  std::uint64_t value;
  std::uint64_t low;
};
Operand operand(const ArgCond& c) {
  return {c.index, c.values.front(), c.values.front() & kLow32};
}

}  // namespace

std::vector<ArgTest> low_range(unsigned arg, std::uint64_t lo, std::uint64_t hi) {
  std::vector<ArgTest> out;
  hi = std::min(hi, kLow32);
  while (lo <= hi) {
    // The largest block starting at lo (aligned to its size) that ends by hi.
    std::uint64_t size = lo == 0 ? (std::uint64_t{1} << 32) : (lo & (~lo + 1));
    while (lo + size - 1 > hi) size >>= 1;
    out.push_back(masked(arg, kLow32 & ~(size - 1), lo));
    lo += size;
  }
  return out;
}

// A stopping rule matches when its condition holds on the full register or on its low half
// (cond_matches); so it does not match when it holds on neither.
ArgAlternatives not_stopped_by(const ArgCond& c) {
  if (c.values.empty()) return {};
  const auto [a, v, vl] = operand(c);
  switch (c.op) {
    case ArgOp::eq:
    case ArgOp::in: return low_not_in(a, c.values);
    case ArgOp::ne: return {{masked(a, kAll, v)}};  // equal in full, so in the low half too
    case ArgOp::lt:  // x >= v and low >= v: for v < 2^32 that is low >= v whatever the top
      return v <= kLow32 ? each(low_range(a, v, kLow32)) : ArgAlternatives{};
    case ArgOp::le:
      return v < kLow32 ? each(low_range(a, v + 1, kLow32)) : ArgAlternatives{};
    case ArgOp::gt: return {{at_most(a, vl)}};  // x <= (v & low) <= v: the top half is zero
    case ArgOp::ge: return vl > 0 ? ArgAlternatives{{at_most(a, vl - 1)}} : ArgAlternatives{};
    case ArgOp::mask_any: return {{masked(a, v, 0)}};
    case ArgOp::mask_all: return per_bit(a, vl, false);  // some low bit of the mask clear
    case ArgOp::mask_none: return per_bit(a, vl, true);  // some low bit of the mask set
  }
  return {};
}

// A permitting rule matches when its condition holds on the full register and on its low half.
ArgAlternatives permitted_by(const ArgCond& c) {
  if (c.values.empty()) return {};
  const auto [a, v, vl] = operand(c);
  switch (c.op) {
    case ArgOp::in: {
      ArgAlternatives out;
      for (std::uint64_t x : c.values)
        if (!(x & c.ignore)) out.push_back({masked(a, ~c.ignore, x)});  // else it never holds
      return out;
    }
    case ArgOp::eq: return {{masked(a, kAll, v)}};
    case ArgOp::ne: return low_not_in(a, {v});  // low differs, so the full value does too
    case ArgOp::lt: return vl > 0 ? ArgAlternatives{{at_most(a, vl - 1)}} : ArgAlternatives{};
    case ArgOp::le: return {{at_most(a, vl)}};
    case ArgOp::gt:
      return v < kLow32 ? each(low_range(a, v + 1, kLow32)) : ArgAlternatives{};
    case ArgOp::ge: return v <= kLow32 ? each(low_range(a, v, kLow32)) : ArgAlternatives{};
    case ArgOp::mask_all: return {{masked(a, v, v)}};
    case ArgOp::mask_none: return {{masked(a, v, 0)}};
    case ArgOp::mask_any: return per_bit(a, vl, true);
  }
  return {};
}

ArgAlternatives open_class_alternatives(unsigned arg, std::uint8_t classes) {
  constexpr std::uint64_t kCreate = O_CREAT | kKernelTmpfileBit;
  ArgAlternatives out;
  auto has = [&](Access a) { return (classes & (1u << static_cast<unsigned>(a))) != 0; };
  if (has(Access::read)) out.push_back({masked(arg, kCreate | O_ACCMODE | O_TRUNC, 0)});
  if (has(Access::write)) {
    for (std::uint64_t mode = 1; mode <= O_ACCMODE; ++mode)
      out.push_back({masked(arg, kCreate | O_ACCMODE, mode)});
    out.push_back({masked(arg, kCreate | O_TRUNC, O_TRUNC)});
  }
  if (has(Access::create)) {
    out.push_back({masked(arg, O_CREAT, O_CREAT)});
    out.push_back({masked(arg, kKernelTmpfileBit, kKernelTmpfileBit)});
  }
  return out;
}

void append_alternatives(ArgAlternatives& out, ArgAlternatives more) {
  for (auto& alt : more) {
    if (out.size() >= kMaxArgAlternatives) return;
    out.push_back(std::move(alt));
  }
}

ArgAlternatives conjoin(const ArgAlternatives& a, const ArgAlternatives& b) {
  ArgAlternatives out;
  for (const auto& x : a)
    for (const auto& y : b) {
      if (out.size() >= kMaxArgAlternatives) return out;
      std::vector<ArgTest> both = x;
      bool ok = true;
      for (const ArgTest& t : y) {
        const auto same = std::find_if(both.begin(), both.end(),
                                       [&](const ArgTest& u) { return u.arg == t.arg; });
        if (same == both.end()) {
          both.push_back(t);
        } else if (const auto m = merge(*same, t)) {
          *same = *m;
        } else {
          ok = false;
          break;
        }
      }
      if (ok) out.push_back(std::move(both));
    }
  return out;
}

}  // namespace xpledge
