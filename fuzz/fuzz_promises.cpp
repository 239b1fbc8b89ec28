// libFuzzer target: the promise-string parser (PromiseCatalogue::parse/format) and the
// SYS_xpledge transitions (apply_pledge, pledge_on_exec, check_pledge), with the invariants
// OpenBSD pledge(2) promises:
//   - parse(format(set)) == set;
//   - a refused call (err != 0) changes nothing;
//   - once pledged, promises and execpromises only narrow (never widen, never become unset)
//     until an exec starts the new image with the execpromises;
//   - an unpledged process is never refused by check_pledge;
//   - a call the pledge filter's register tests admit is one check() allows (grant_check.hpp).
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <optional>
#include <string>

#include "grant_check.hpp"
#include "pledge.hpp"
#include "promises.hpp"

namespace {

using namespace xpledge;

PromiseArg consume_arg(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange<int>(0, 7)) {
    case 0: return PromiseArg{true, {}, 0};               // NULL: leave unchanged
    case 1: return PromiseArg{false, {}, 14 /* EFAULT */};  // unreadable
    default: return PromiseArg{false, in.ConsumeRandomLengthString(2048), 0};
  }
}

bool subset_or_equal(const std::optional<PromiseSet>& now, const std::optional<PromiseSet>& before) {
  if (!before) return true;          // unpledged: anything goes
  if (!now) return false;            // pledged -> unpledged without exec: widening
  return now->subset_of(*before);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const PromiseCatalogue& cat = PromiseCatalogue::builtin();
  FuzzedDataProvider in(data, size);

  // The parser alone, and its round trip.
  const std::string text = in.ConsumeRandomLengthString(4096);
  std::string bad;
  if (const auto set = cat.parse(text, &bad)) {
    std::string bad2;
    const auto again = cat.parse(cat.format(*set), &bad2);
    if (!again || !(*again == *set)) __builtin_trap();
  }

  // A sequence of xpledge() calls and execs.
  PledgeState state;
  for (int step = 0; step < 16 && in.remaining_bytes() > 0; ++step) {
    if (in.ConsumeIntegralInRange<int>(0, 5) == 0) {
      pledge_on_exec(state);
      continue;
    }
    const PledgeState before = state;
    const PromiseArg promises = consume_arg(in);
    const PromiseArg execpromises = consume_arg(in);
    const PledgeOutcome out = apply_pledge(state, promises, execpromises, cat);
    if (out.err != 0) {
      if (!(state.promises == before.promises) || !(state.execpromises == before.execpromises))
        __builtin_trap();  // a refused call changed the state
      if (out.detail.empty()) __builtin_trap();
      continue;
    }
    if (!subset_or_equal(state.promises, before.promises)) __builtin_trap();
    if (!subset_or_equal(state.execpromises, before.execpromises)) __builtin_trap();

    CallContext ctx;
    ctx.call.abi = kAllAbis[in.ConsumeIntegralInRange<std::size_t>(0, kAllAbis.size() - 1)];
    ctx.call.nr = in.ConsumeIntegralInRange<std::int64_t>(-2, 460);
    for (auto& a : ctx.call.args) a = in.ConsumeIntegral<std::uint64_t>();
    const PathArg path{"/" + in.ConsumeRandomLengthString(64), Access::read, 0};
    ctx.paths = std::span<const PathArg>(&path, in.ConsumeBool() ? 1 : 0);
    ctx.tgid = 100;
    const PledgeVerdict v = check_pledge(state, ctx, 100, Action::deny, cat);
    if (!state.promises && (v.violation || v.err != 0)) __builtin_trap();
    // The pledge filter (register_grants, x86-64) lets a call run unseen only where check()
    // allows it for every path.
    if (state.promises && ctx.call.abi == Abi::x86_64)
      fuzz::check_register_grants(
          cat.register_grants(*state.promises, ctx.call.abi, ctx.call.nr), ctx,
          [&](const CallContext& c) { return cat.check(*state.promises, c, 100).allowed; });
  }
  return 0;
}
