#pragma once
// A policy's argument conditions as alternatives a BPF program can test, so that the seccomp
// pre-filter lets a call run without stopping when its registers alone prove the policy allows
// it silently (the default policy's ioctl rule made every ioctl stop).
//
// Every function under-approximates: a call any returned alternative accepts is one evaluate()
// allows with no log; a region that cannot be written in this shape is left out and keeps
// stopping. Only the x86-64 ABI, where a register is 64 bits wide and libseccomp compares all
// of them: policy.cpp's cond_matches also reads the low half alone, and so do these.
#include <cstdint>
#include <vector>

#include "arg_test.hpp"
#include "policy.hpp"

namespace xpledge {

// Past this many alternatives for one syscall the rest is dropped (still sound: those calls
// stop). Keeps the BPF program far from the kernel's 4096-instruction limit.
inline constexpr std::size_t kMaxArgAlternatives = 96;

// Calls a rule with this condition stops (deny, kill, log) does NOT match.
ArgAlternatives not_stopped_by(const ArgCond& c);
// Calls an allow rule with this condition matches.
ArgAlternatives permitted_by(const ArgCond& c);
// The calls whose open flags (argument `arg`) fall in one of `classes`, bits (1 << Access) as
// Rule::open_classes: exactly rule_eval's open_access, read from the register.
ArgAlternatives open_class_alternatives(unsigned arg, std::uint8_t classes);
// `more` added to `out` up to kMaxArgAlternatives (what does not fit is dropped: it stops).
void append_alternatives(ArgAlternatives& out, ArgAlternatives more);
// Both hold; an argument tested twice is merged when both tests are masks, else dropped.
ArgAlternatives conjoin(const ArgAlternatives& a, const ArgAlternatives& b);
// The low 32 bits of the argument in [lo, hi] (hi <= 0xffffffff), whatever the upper half:
// aligned power-of-two blocks, each one masked compare.
std::vector<ArgTest> low_range(unsigned arg, std::uint64_t lo, std::uint64_t hi);

}  // namespace xpledge
