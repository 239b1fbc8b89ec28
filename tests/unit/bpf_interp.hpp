#pragma once
// A classic-BPF interpreter for seccomp programs, for tests only: it runs the exact bytes the
// supervisor exports (pre-filter, pledge filters) on a seccomp_data, as the kernel would, so
// that a test can hold them against the pure evaluators without loading anything.
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

namespace xpledge::test {

inline std::vector<sock_filter> bpf_program(const std::vector<unsigned char>& bytes) {
  std::vector<sock_filter> prog(bytes.size() / sizeof(sock_filter));
  std::memcpy(prog.data(), bytes.data(), prog.size() * sizeof(sock_filter));
  return prog;
}

// The filter's return value; nullopt for a program the kernel would not run to a return (an
// instruction seccomp does not allow, a jump or load out of range, falling off the end).
// `read_args`, if given, is set when the run loaded any of the call's arguments: a run that did
// not would answer the same for any arguments.
inline std::optional<std::uint32_t> bpf_run(const std::vector<sock_filter>& prog,
                                            const seccomp_data& data, bool* read_args = nullptr) {
  std::uint32_t a = 0, x = 0;
  std::uint32_t mem[BPF_MEMWORDS] = {};
  const auto load = [&](std::uint32_t off) -> std::optional<std::uint32_t> {
    if (off % 4 != 0 || off + 4 > sizeof data) return std::nullopt;
    if (read_args && off >= offsetof(seccomp_data, args)) *read_args = true;
    std::uint32_t v;
    std::memcpy(&v, reinterpret_cast<const unsigned char*>(&data) + off, 4);
    return v;
  };
  for (std::size_t pc = 0; pc < prog.size(); ++pc) {
    const sock_filter& i = prog[pc];
    const std::uint32_t src = BPF_SRC(i.code) == BPF_X ? x : i.k;
    switch (BPF_CLASS(i.code)) {
      case BPF_LD:
        if (BPF_SIZE(i.code) != BPF_W) return std::nullopt;
        if (BPF_MODE(i.code) == BPF_ABS) {
          const auto v = load(i.k);
          if (!v) return std::nullopt;
          a = *v;
        } else if (BPF_MODE(i.code) == BPF_MEM && i.k < BPF_MEMWORDS) {
          a = mem[i.k];
        } else if (BPF_MODE(i.code) == BPF_IMM) {
          a = i.k;
        } else if (BPF_MODE(i.code) == BPF_LEN) {
          a = sizeof data;
        } else {
          return std::nullopt;
        }
        break;
      case BPF_LDX:
        if (BPF_MODE(i.code) == BPF_MEM && i.k < BPF_MEMWORDS) x = mem[i.k];
        else if (BPF_MODE(i.code) == BPF_IMM) x = i.k;
        else if (BPF_MODE(i.code) == BPF_LEN) x = sizeof data;
        else return std::nullopt;
        break;
      case BPF_ST:
        if (i.k >= BPF_MEMWORDS) return std::nullopt;
        mem[i.k] = a;
        break;
      case BPF_STX:
        if (i.k >= BPF_MEMWORDS) return std::nullopt;
        mem[i.k] = x;
        break;
      case BPF_ALU:
        switch (BPF_OP(i.code)) {
          case BPF_ADD: a += src; break;
          case BPF_SUB: a -= src; break;
          case BPF_MUL: a *= src; break;
          case BPF_DIV: if (src == 0) return 0; a /= src; break;
          case BPF_MOD: if (src == 0) return 0; a %= src; break;
          case BPF_OR: a |= src; break;
          case BPF_AND: a &= src; break;
          case BPF_XOR: a ^= src; break;
          case BPF_LSH: a = src < 32 ? a << src : 0; break;
          case BPF_RSH: a = src < 32 ? a >> src : 0; break;
          case BPF_NEG: a = 0 - a; break;
          default: return std::nullopt;
        }
        break;
      case BPF_JMP: {
        std::size_t skip = 0;
        switch (BPF_OP(i.code)) {
          case BPF_JA: skip = i.k; break;
          case BPF_JEQ: skip = a == src ? i.jt : i.jf; break;
          case BPF_JGT: skip = a > src ? i.jt : i.jf; break;
          case BPF_JGE: skip = a >= src ? i.jt : i.jf; break;
          case BPF_JSET: skip = (a & src) ? i.jt : i.jf; break;
          default: return std::nullopt;
        }
        if (pc + skip >= prog.size()) return std::nullopt;
        pc += skip;
        break;
      }
      case BPF_RET:
        return BPF_RVAL(i.code) == BPF_A ? a : i.k;
      case BPF_MISC:
        if (BPF_MISCOP(i.code) == BPF_TAX) x = a;
        else if (BPF_MISCOP(i.code) == BPF_TXA) a = x;
        else return std::nullopt;
        break;
      default:
        return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace xpledge::test
