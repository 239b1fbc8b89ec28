// The classic-BPF interpreter (supervisor/bpf/bpf_interp.hpp) on hand-written programs: what the
// kernel's seccomp refuses to load, what each instruction computes, and what a return value
// means. A failure here is the interpreter's, not a filter's.
#include <doctest/doctest.h>

#include <linux/audit.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <vector>

#include "bpf_interp.hpp"

using namespace xpledge::bpf;

namespace {

constexpr std::uint32_t kNr = offsetof(seccomp_data, nr);
constexpr std::uint32_t kArch = offsetof(seccomp_data, arch);
constexpr std::uint32_t kIp = offsetof(seccomp_data, instruction_pointer);
constexpr std::uint32_t kArgs = offsetof(seccomp_data, args);

sock_filter ld(std::uint32_t off) { return BPF_STMT(BPF_LD | BPF_W | BPF_ABS, off); }
sock_filter ret_k(std::uint32_t k) { return BPF_STMT(BPF_RET | BPF_K, k); }
sock_filter ret_a() { return BPF_STMT(BPF_RET | BPF_A, 0); }

// A returns A after `body`, with A and X set first.
std::uint32_t compute(std::uint32_t a, std::uint32_t x, std::vector<sock_filter> body) {
  std::vector<sock_filter> p = {BPF_STMT(BPF_LD | BPF_IMM, a), BPF_STMT(BPF_LDX | BPF_IMM, x)};
  p.insert(p.end(), body.begin(), body.end());
  p.push_back(ret_a());
  const Filter f(p);
  REQUIRE_MESSAGE(f.rejected().empty(), f.rejected());
  const auto r = f.run(seccomp_data{});
  REQUIRE(r);
  return r->ret;
}

std::string why(std::vector<sock_filter> p) { return Filter(std::move(p)).rejected(); }

}  // namespace

TEST_CASE("bpf interpreter: each field of seccomp_data is where the kernel puts it") {
  seccomp_data d{};
  d.nr = 231;
  d.arch = AUDIT_ARCH_X86_64;
  d.instruction_pointer = 0x1122334455667788ULL;
  d.args[2] = 0xaabbccdd00000001ULL;
  d.args[5] = 7;
  const auto load = [&](std::uint32_t off) {
    const auto r = Filter({ld(off), ret_a()}).run(d);
    REQUIRE(r);
    return *r;
  };
  CHECK(load(kNr).ret == 231);
  CHECK(load(kArch).ret == AUDIT_ARCH_X86_64);
  // Little-endian: the low half of a 64-bit field first.
  CHECK(load(kIp).ret == 0x55667788);
  CHECK(load(kIp + 4).ret == 0x11223344);
  CHECK(load(kArgs + 16).ret == 1);
  CHECK(load(kArgs + 20).ret == 0xaabbccdd);
  CHECK(load(kArgs + 40).ret == 7);
  CHECK(load(kArgs + 44).ret == 0);
  CHECK_FALSE(load(kNr).read_args);
  CHECK_FALSE(load(kArch).read_ip);
  CHECK(load(kIp + 4).read_ip);
  CHECK_FALSE(load(kIp + 4).read_args);
  CHECK(load(kArgs).read_args);
  // BPF_LEN is the size of seccomp_data, in A and in X.
  CHECK(Filter({BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0), ret_a()}).run(d)->ret == 64);
  CHECK(Filter({BPF_STMT(BPF_LDX | BPF_W | BPF_LEN, 0), BPF_STMT(BPF_MISC | BPF_TXA, 0), ret_a()})
            .run(d)->ret == 64);
}

TEST_CASE("bpf interpreter: arithmetic is unsigned 32-bit, as in the kernel") {
  CHECK(compute(0xffffffff, 0, {BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 2)}) == 1);
  CHECK(compute(1, 3, {BPF_STMT(BPF_ALU | BPF_SUB | BPF_X, 0)}) == 0xfffffffe);
  CHECK(compute(0x10000, 0x10000, {BPF_STMT(BPF_ALU | BPF_MUL | BPF_X, 0)}) == 0);
  CHECK(compute(7, 2, {BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0)}) == 3);
  CHECK(compute(0xf0f0, 0, {BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xff)}) == 0xf0);
  CHECK(compute(0xf0, 0x0f, {BPF_STMT(BPF_ALU | BPF_OR | BPF_X, 0)}) == 0xff);
  CHECK(compute(0xff, 0, {BPF_STMT(BPF_ALU | BPF_XOR | BPF_K, 0x0f)}) == 0xf0);
  CHECK(compute(1, 0, {BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 31)}) == 0x80000000);
  CHECK(compute(0x80000000, 0, {BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 31)}) == 1);
  // A count in X is taken modulo 32 (the interpreter's and x86-64 JIT's `& 31`).
  CHECK(compute(1, 33, {BPF_STMT(BPF_ALU | BPF_LSH | BPF_X, 0)}) == 2);
  CHECK(compute(5, 0, {BPF_STMT(BPF_ALU | BPF_NEG, 0)}) == 0xfffffffb);
  CHECK(compute(9, 4, {BPF_STMT(BPF_MISC | BPF_TXA, 0)}) == 4);
  CHECK(compute(9, 4, {BPF_STMT(BPF_MISC | BPF_TAX, 0), BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0)}) ==
        18);
  // Scratch memory: a store, then a load.
  CHECK(compute(9, 4, {BPF_STMT(BPF_STX, 3), BPF_STMT(BPF_LD | BPF_MEM, 3)}) == 4);
  CHECK(compute(9, 4, {BPF_STMT(BPF_ST, 15), BPF_STMT(BPF_LDX | BPF_MEM, 15),
                       BPF_STMT(BPF_MISC | BPF_TXA, 0)}) == 9);
  // Division by a zero X ends the program with 0: SECCOMP_RET_KILL_THREAD.
  CHECK(compute(7, 0, {BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0)}) == 0);
}

TEST_CASE("bpf interpreter: jumps compare unsigned 32-bit and skip forward") {
  // A = 1 when the jump is taken, 0 when it is not.
  const auto branch = [](sock_filter jmp, std::uint32_t a, std::uint32_t x) {
    return compute(a, x, {jmp, BPF_STMT(BPF_LD | BPF_IMM, 1), BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0),
                          BPF_STMT(BPF_LD | BPF_IMM, 0)}) == 1;
  };
  const auto taken = [&](std::uint16_t op, std::uint32_t a, std::uint32_t k) {
    return branch(BPF_JUMP(static_cast<std::uint16_t>(BPF_JMP | op | BPF_K), k, 0, 2), a, 0);
  };
  CHECK(taken(BPF_JEQ, 0xffffffff, 0xffffffff));  // the kernel zero-extends a "negative" k
  CHECK_FALSE(taken(BPF_JEQ, 1, 2));
  CHECK(taken(BPF_JGT, 0x80000000, 0x7fffffff));  // unsigned, not signed
  CHECK_FALSE(taken(BPF_JGT, 5, 5));
  CHECK(taken(BPF_JGE, 5, 5));
  CHECK_FALSE(taken(BPF_JGE, 4, 5));
  CHECK(taken(BPF_JSET, 0x6, 0x2));
  CHECK_FALSE(taken(BPF_JSET, 0x6, 0x1));
  // Against X, and an unconditional jump.
  CHECK(branch(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_X, 0, 0, 2), 3, 3));
  CHECK_FALSE(branch(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_X, 0, 0, 2), 3, 4));
  CHECK(branch(BPF_JUMP(BPF_JMP | BPF_JGT | BPF_X, 0, 0, 2), 5, 4));
  CHECK_FALSE(branch(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_X, 0, 0, 2), 5, 2));
  CHECK(compute(0, 0, {BPF_STMT(BPF_LD | BPF_IMM, 1), BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0),
                       BPF_STMT(BPF_LD | BPF_IMM, 0)}) == 1);
}

TEST_CASE("bpf interpreter: what seccomp(SET_MODE_FILTER) refuses with EINVAL") {
  CHECK(why({}) != "");
  CHECK(why(std::vector<sock_filter>(BPF_MAXINSNS + 1, ret_k(0))) != "");
  CHECK(why(std::vector<sock_filter>(BPF_MAXINSNS, ret_k(0))) == "");
  // No return at the end.
  CHECK(why({ld(kNr)}) != "");
  // Loads: outside seccomp_data, unaligned, byte/half-word, indirect.
  CHECK(why({ld(64), ret_k(0)}) != "");
  CHECK(why({ld(60), ret_k(0)}) == "");
  CHECK(why({ld(2), ret_k(0)}) != "");
  CHECK(why({BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 0), ret_k(0)}) != "");
  CHECK(why({BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0), ret_k(0)}) != "");
  CHECK(why({BPF_STMT(BPF_LD | BPF_W | BPF_IND, 0), ret_k(0)}) != "");
  CHECK(why({BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0), ret_k(0)}) != "");
  // Jumps past the end: the last instruction is pc + 1 + offset at most.
  CHECK(why({BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0), ret_k(0)}) != "");
  CHECK(why({BPF_JUMP(BPF_JMP | BPF_JA, 0, 0, 0), ret_k(0)}) == "");
  CHECK(why({BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), ret_k(0)}) != "");
  CHECK(why({BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), ret_k(0)}) != "");
  CHECK(why({BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), ret_k(0), ret_k(1)}) == "");
  // ALU: division by a constant zero, shifts by 32 or more, BPF_MOD (not in seccomp's list).
  CHECK(why({BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), ret_k(0)}) != "");
  CHECK(why({BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 32), ret_k(0)}) != "");
  CHECK(why({BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 32), ret_k(0)}) != "");
  CHECK(why({BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 3), ret_k(0)}) != "");
  // Scratch memory: out of range, or loaded before any store on some path.
  CHECK(why({BPF_STMT(BPF_ST, 16), ret_k(0)}) != "");
  CHECK(why({BPF_STMT(BPF_LD | BPF_MEM, 0), ret_k(0)}) != "");
  CHECK(why({ld(kNr), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1), BPF_STMT(BPF_ST, 0),
             BPF_STMT(BPF_LD | BPF_MEM, 0), ret_a()}) != "");
  CHECK(why({BPF_STMT(BPF_ST, 0), ld(kNr), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),
             BPF_STMT(BPF_ST, 1), BPF_STMT(BPF_LD | BPF_MEM, 0), ret_a()}) == "");
  // Returns: RET X does not exist; other opcodes nobody defines.
  CHECK(why({BPF_STMT(BPF_RET | BPF_X, 0)}) != "");
  CHECK(why({BPF_STMT(0xff, 0), ret_k(0)}) != "");
  // A byte string that is not whole instructions; a rejected program does not run.
  std::vector<unsigned char> bytes(sizeof(sock_filter) + 1, 0);
  const sock_filter r = ret_k(SECCOMP_RET_ALLOW);
  std::memcpy(bytes.data(), &r, sizeof r);
  CHECK(Filter::from_bytes(bytes).rejected() != "");
  bytes.pop_back();
  CHECK(Filter::from_bytes(bytes).rejected() == "");
  CHECK(Filter::from_bytes(bytes).run(seccomp_data{})->ret == SECCOMP_RET_ALLOW);
  CHECK_FALSE(Filter({ld(kNr)}).run(seccomp_data{}));
}

TEST_CASE("bpf interpreter: return values mean what the kernel makes of them") {
  CHECK(outcome(SECCOMP_RET_ALLOW).action == Action::allow);
  CHECK(outcome(SECCOMP_RET_TRACE | 7).action == Action::trace);
  CHECK(outcome(SECCOMP_RET_TRACE | 7).data == 7);
  CHECK(outcome(SECCOMP_RET_USER_NOTIF).action == Action::user_notif);
  CHECK(outcome(SECCOMP_RET_LOG).action == Action::log);
  CHECK(outcome(SECCOMP_RET_TRAP | 1).action == Action::trap);
  CHECK(outcome(SECCOMP_RET_ERRNO | EUCLEAN).action == Action::errno_ret);
  CHECK(outcome(SECCOMP_RET_ERRNO | EUCLEAN).data == EUCLEAN);
  CHECK(outcome(SECCOMP_RET_ERRNO | 0xffff).data == 4095);  // capped at MAX_ERRNO
  CHECK(outcome(SECCOMP_RET_KILL_THREAD).action == Action::kill_thread);
  CHECK(outcome(SECCOMP_RET_KILL_PROCESS).action == Action::kill_process);
  CHECK(outcome(0x00010000).action == Action::kill_process);  // an unknown action
  // Stacked filters: the lowest action, KILL_PROCESS lowest of all (signed), the newest among
  // equals (its data wins).
  const std::uint32_t a[] = {SECCOMP_RET_ALLOW, SECCOMP_RET_TRACE, SECCOMP_RET_ERRNO | 1};
  CHECK(strictest(a) == (SECCOMP_RET_ERRNO | 1));
  const std::uint32_t b[] = {SECCOMP_RET_ERRNO | 2, SECCOMP_RET_ERRNO | 1};
  CHECK(strictest(b) == (SECCOMP_RET_ERRNO | 2));
  const std::uint32_t c[] = {SECCOMP_RET_KILL_THREAD, SECCOMP_RET_KILL_PROCESS};
  CHECK(strictest(c) == SECCOMP_RET_KILL_PROCESS);
  CHECK(strictest({}) == SECCOMP_RET_ALLOW);
}
