#include "bpf_interp.hpp"

#include <array>
#include <cstddef>
#include <cstring>

namespace xpledge::bpf {

namespace {

// seccomp_check_filter's list: the only opcodes a seccomp filter may hold (the socket filter's
// wider set minus BPF_MOD, byte and half-word loads, indirect loads, ancillary data, BPF_MSH).
constexpr std::array<std::uint16_t, 41> kSeccompCodes = {
    BPF_LD | BPF_W | BPF_ABS, BPF_LD | BPF_W | BPF_LEN, BPF_LDX | BPF_W | BPF_LEN,
    BPF_RET | BPF_K, BPF_RET | BPF_A,
    BPF_ALU | BPF_ADD | BPF_K, BPF_ALU | BPF_ADD | BPF_X, BPF_ALU | BPF_SUB | BPF_K,
    BPF_ALU | BPF_SUB | BPF_X, BPF_ALU | BPF_MUL | BPF_K, BPF_ALU | BPF_MUL | BPF_X,
    BPF_ALU | BPF_DIV | BPF_K, BPF_ALU | BPF_DIV | BPF_X, BPF_ALU | BPF_AND | BPF_K,
    BPF_ALU | BPF_AND | BPF_X, BPF_ALU | BPF_OR | BPF_K, BPF_ALU | BPF_OR | BPF_X,
    BPF_ALU | BPF_XOR | BPF_K, BPF_ALU | BPF_XOR | BPF_X, BPF_ALU | BPF_LSH | BPF_K,
    BPF_ALU | BPF_LSH | BPF_X, BPF_ALU | BPF_RSH | BPF_K, BPF_ALU | BPF_RSH | BPF_X,
    BPF_ALU | BPF_NEG, BPF_LD | BPF_IMM, BPF_LDX | BPF_IMM, BPF_MISC | BPF_TAX,
    BPF_MISC | BPF_TXA, BPF_LD | BPF_MEM, BPF_LDX | BPF_MEM, BPF_ST, BPF_STX,
    BPF_JMP | BPF_JA, BPF_JMP | BPF_JEQ | BPF_K, BPF_JMP | BPF_JEQ | BPF_X,
    BPF_JMP | BPF_JGE | BPF_K, BPF_JMP | BPF_JGE | BPF_X, BPF_JMP | BPF_JGT | BPF_K,
    BPF_JMP | BPF_JGT | BPF_X, BPF_JMP | BPF_JSET | BPF_K, BPF_JMP | BPF_JSET | BPF_X};

bool conditional_jump(std::uint16_t code) {
  return BPF_CLASS(code) == BPF_JMP && BPF_OP(code) != BPF_JA;
}

std::string at(std::size_t pc, const char* what) {
  return "instruction " + std::to_string(pc) + ": " + what;
}

// bpf_check_classic's per-instruction checks and seccomp_check_filter's, for instruction pc.
std::string check_instruction(std::span<const sock_filter> prog, std::size_t pc) {
  const sock_filter& i = prog[pc];
  const std::size_t after = prog.size() - pc - 1;  // instructions after this one
  bool known = false;
  for (std::uint16_t c : kSeccompCodes) known |= c == i.code;
  if (!known) return at(pc, "an opcode seccomp does not allow");
  if (i.code == (BPF_ALU | BPF_DIV | BPF_K) && i.k == 0) return at(pc, "division by zero");
  if ((i.code == (BPF_ALU | BPF_LSH | BPF_K) || i.code == (BPF_ALU | BPF_RSH | BPF_K)) &&
      i.k >= 32)
    return at(pc, "a shift by 32 or more");
  if ((i.code == (BPF_LD | BPF_MEM) || i.code == (BPF_LDX | BPF_MEM) || i.code == BPF_ST ||
       i.code == BPF_STX) &&
      i.k >= BPF_MEMWORDS)
    return at(pc, "a scratch memory word out of range");
  if (i.code == (BPF_JMP | BPF_JA) && i.k >= after) return at(pc, "a jump past the end");
  if (conditional_jump(i.code) && (i.jt >= after || i.jf >= after))
    return at(pc, "a jump past the end");
  if (i.code == (BPF_LD | BPF_W | BPF_ABS) && (i.k >= sizeof(seccomp_data) || i.k % 4 != 0))
    return at(pc, "a load outside seccomp_data or not 32-bit aligned");
  return {};
}

// check_load_and_stores: a scratch word must be stored on every path before it is loaded.
std::string check_memory(std::span<const sock_filter> prog) {
  std::vector<std::uint16_t> masks(prog.size(), 0xffff);
  std::uint16_t valid = 0;
  for (std::size_t pc = 0; pc < prog.size(); ++pc) {
    const sock_filter& i = prog[pc];
    valid &= masks[pc];
    if (i.code == BPF_ST || i.code == BPF_STX) {
      valid = static_cast<std::uint16_t>(valid | (1u << i.k));
    } else if (i.code == (BPF_LD | BPF_MEM) || i.code == (BPF_LDX | BPF_MEM)) {
      if (!(valid & (1u << i.k))) return at(pc, "a scratch memory word loaded before any store");
    } else if (i.code == (BPF_JMP | BPF_JA)) {
      masks[pc + 1 + i.k] &= valid;
      valid = 0xffff;
    } else if (conditional_jump(i.code)) {
      masks[pc + 1 + i.jt] &= valid;
      masks[pc + 1 + i.jf] &= valid;
      valid = 0xffff;
    }
  }
  return {};
}

std::uint32_t alu(std::uint16_t op, std::uint32_t a, std::uint32_t src) {
  switch (op) {
    case BPF_ADD: return a + src;
    case BPF_SUB: return a - src;
    case BPF_MUL: return a * src;
    case BPF_DIV: return a / src;  // src != 0: checked by the caller
    case BPF_AND: return a & src;
    case BPF_OR: return a | src;
    case BPF_XOR: return a ^ src;
    // A count in X is taken modulo 32, as the kernel's interpreter and x86-64 JIT do.
    case BPF_LSH: return a << (src & 31);
    case BPF_RSH: return a >> (src & 31);
    case BPF_NEG: return 0 - a;
    default: return a;  // not reached: kernel_check allows no other
  }
}

// How many instructions a jump skips (the comparisons are unsigned 32-bit, as in the kernel,
// which zero-extends a negative immediate before comparing).
std::size_t jump(const sock_filter& i, std::uint32_t a, std::uint32_t src) {
  switch (BPF_OP(i.code)) {
    case BPF_JA: return i.k;
    case BPF_JEQ: return a == src ? i.jt : i.jf;
    case BPF_JGT: return a > src ? i.jt : i.jf;
    case BPF_JGE: return a >= src ? i.jt : i.jf;
    default: return (a & src) ? i.jt : i.jf;  // BPF_JSET
  }
}

}  // namespace

std::string kernel_check(std::span<const sock_filter> prog) {
  if (prog.empty() || prog.size() > BPF_MAXINSNS) return "a length of 0 or over BPF_MAXINSNS";
  for (std::size_t pc = 0; pc < prog.size(); ++pc)
    if (std::string why = check_instruction(prog, pc); !why.empty()) return why;
  if (BPF_CLASS(prog.back().code) != BPF_RET) return "the last instruction is not a return";
  return check_memory(prog);
}

Filter::Filter(std::vector<sock_filter> prog) : prog_(std::move(prog)) {
  rejected_ = kernel_check(prog_);
}

Filter Filter::from_bytes(std::span<const unsigned char> bytes) {
  std::vector<sock_filter> prog(bytes.size() / sizeof(sock_filter));
  if (!prog.empty()) std::memcpy(prog.data(), bytes.data(), prog.size() * sizeof(sock_filter));
  Filter f(std::move(prog));
  if (bytes.size() % sizeof(sock_filter) != 0 && f.rejected_.empty())
    f.rejected_ = "a length that is not a whole number of instructions";
  return f;
}

std::optional<Run> Filter::run(const seccomp_data& data) const {
  if (!rejected_.empty()) return std::nullopt;
  Run r;
  std::uint32_t a = 0, x = 0;
  std::uint32_t mem[BPF_MEMWORDS] = {};
  for (std::size_t pc = 0;; ++pc) {  // kernel_check: every path ends at a return
    const sock_filter& i = prog_[pc];
    const std::uint32_t src = BPF_SRC(i.code) == BPF_X ? x : i.k;
    switch (BPF_CLASS(i.code)) {
      case BPF_LD:
        if (BPF_MODE(i.code) == BPF_ABS) {
          r.read_args |= i.k >= offsetof(seccomp_data, args);
          r.read_ip |= i.k >= offsetof(seccomp_data, instruction_pointer) &&
                       i.k < offsetof(seccomp_data, args);
          std::memcpy(&a, reinterpret_cast<const unsigned char*>(&data) + i.k, sizeof a);
        } else {
          a = BPF_MODE(i.code) == BPF_MEM ? mem[i.k]
              : BPF_MODE(i.code) == BPF_LEN ? std::uint32_t{sizeof data}
                                             : i.k;
        }
        break;
      case BPF_LDX:
        x = BPF_MODE(i.code) == BPF_MEM ? mem[i.k]
            : BPF_MODE(i.code) == BPF_LEN ? std::uint32_t{sizeof data}
                                           : i.k;
        break;
      case BPF_ST: mem[i.k] = a; break;
      case BPF_STX: mem[i.k] = x; break;
      case BPF_ALU:
        // Division by a zero X ends the program with 0 (SECCOMP_RET_KILL_THREAD).
        if (BPF_OP(i.code) == BPF_DIV && src == 0) {
          r.ret = 0;
          return r;
        }
        a = alu(static_cast<std::uint16_t>(BPF_OP(i.code)), a, src);
        break;
      case BPF_JMP: pc += jump(i, a, src); break;
      case BPF_RET:
        r.ret = BPF_RVAL(i.code) == BPF_A ? a : i.k;
        return r;
      default:  // BPF_MISC
        if (BPF_MISCOP(i.code) == BPF_TAX) x = a;
        else a = x;
    }
  }
}

Outcome outcome(std::uint32_t ret) {
  const std::uint32_t data = ret & SECCOMP_RET_DATA;
  switch (ret & SECCOMP_RET_ACTION_FULL) {
    case SECCOMP_RET_KILL_THREAD: return {Action::kill_thread, 0};
    case SECCOMP_RET_TRAP: return {Action::trap, data};
    case SECCOMP_RET_ERRNO: return {Action::errno_ret, data > 4095 ? 4095 : data};
    case SECCOMP_RET_USER_NOTIF: return {Action::user_notif, 0};
    case SECCOMP_RET_TRACE: return {Action::trace, data};
    case SECCOMP_RET_LOG: return {Action::log, 0};
    case SECCOMP_RET_ALLOW: return {Action::allow, 0};
    default: return {Action::kill_process, 0};
  }
}

const char* action_name(Action a) {
  switch (a) {
    case Action::kill_process: return "KILL_PROCESS";
    case Action::kill_thread: return "KILL_THREAD";
    case Action::trap: return "TRAP";
    case Action::errno_ret: return "ERRNO";
    case Action::user_notif: return "USER_NOTIF";
    case Action::trace: return "TRACE";
    case Action::log: return "LOG";
    case Action::allow: return "ALLOW";
  }
  return "?";
}

std::uint32_t strictest(std::span<const std::uint32_t> newest_first) {
  const auto rank = [](std::uint32_t r) {
    return static_cast<std::int32_t>(r & SECCOMP_RET_ACTION_FULL);
  };
  std::uint32_t best = SECCOMP_RET_ALLOW;
  for (std::uint32_t r : newest_first)
    if (rank(r) < rank(best)) best = r;
  return best;
}

}  // namespace xpledge::bpf
