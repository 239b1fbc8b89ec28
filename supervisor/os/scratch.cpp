#include "scratch.hpp"

#include <sys/ipc.h>
#include <sys/shm.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

namespace xpledge {

PathScratch::~PathScratch() {
  if (base_) shmdt(base_);
}

bool PathScratch::create(std::string& error) {
  id_ = shmget(IPC_PRIVATE, kSize, IPC_CREAT | IPC_EXCL | 0600);
  if (id_ < 0) {
    error = fmt::format("shmget({} bytes): {}", kSize, std::strerror(errno));
    return false;
  }
  void* p = shmat(id_, nullptr, 0);
  const int err = errno;
  // Then read-only, for our user only (admit() names one more): tracees attach it SHM_RDONLY;
  // write permission is what nobody but our own attachment has.
  shmid_ds ds{};
  if (shmctl(id_, IPC_STAT, &ds) == 0) {
    perm_ = {ds.shm_perm.cuid, ds.shm_perm.uid, ds.shm_perm.gid};
    ds.shm_perm.mode = 0400;
    shmctl(id_, IPC_SET, &ds);
  }
  // Removed now, alive while attached: nothing is left behind, whatever way we end.
  shmctl(id_, IPC_RMID, nullptr);
  if (p == reinterpret_cast<void*>(-1)) {
    error = fmt::format("shmat: {}", std::strerror(err));
    id_ = -1;
    return false;
  }
  base_ = static_cast<char*>(p);
  return true;
}

bool PathScratch::admit(uid_t euid, std::string& error) {
  if (euid == perm_.creator || euid == perm_.owner) return true;
  shmid_ds ds{};
  ds.shm_perm.uid = euid;
  ds.shm_perm.gid = perm_.gid;
  ds.shm_perm.mode = 0400;
  // The creator may always IPC_SET, whoever the owner is: giving the segment away is undone by
  // the next admit().
  if (shmctl(id_, IPC_SET, &ds) != 0) {
    error = fmt::format("shmctl(IPC_SET, uid {}): {}", euid, std::strerror(errno));
    return false;
  }
  perm_.owner = euid;
  ++generation_;
  return true;
}

std::optional<std::uint64_t> PathScratch::pin(pid_t tid, std::size_t index,
                                              std::string_view bytes) {
  if (bytes.size() >= kPathBytes) return std::nullopt;
  const auto at = pin_bytes(tid, index, bytes);
  if (at) base_[*at - kAddr + bytes.size()] = '\0';
  return at;
}

std::optional<std::uint64_t> PathScratch::pin_bytes(pid_t tid, std::size_t index,
                                                    std::string_view bytes) {
  if (!base_ || index > 1 || bytes.size() > kPathBytes) return std::nullopt;
  auto it = slot_of_.find(tid);
  if (it == slot_of_.end()) {
    std::size_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
    } else if (next_ < kSlots) {
      slot = next_++;
    } else {
      return std::nullopt;
    }
    it = slot_of_.emplace(tid, slot).first;
  }
  const std::size_t off = it->second * kSlotBytes + index * kPathBytes;
  std::memcpy(base_ + off, bytes.data(), bytes.size());
  return kAddr + off;
}

void PathScratch::release(pid_t tid) {
  if (auto it = slot_of_.find(tid); it != slot_of_.end()) {
    free_.push_back(it->second);
    slot_of_.erase(it);
  }
}

std::optional<std::uint64_t> PathScratch::pin_program(std::string_view program) {
  constexpr std::size_t kInsn = 8, kHeader = 16;  // sizeof(sock_filter), sizeof(sock_fprog)
  if (!base_ || program.empty() || program.size() % kInsn != 0 || program.size() / kInsn > 0xffff)
    return std::nullopt;
  if (const auto it = programs_.find(std::string(program)); it != programs_.end())
    return it->second;
  const std::size_t need = (kHeader + program.size() + 15) & ~std::size_t{15};
  if (program_used_ + need > kProgramBytes) return std::nullopt;
  const std::size_t off = kSlots * kSlotBytes + program_used_;
  const std::uint64_t fprog = kAddr + off, filter = fprog + kHeader;
  // struct sock_fprog on x86-64: unsigned short len, 6 bytes of padding, the filter's address.
  const auto len = static_cast<std::uint16_t>(program.size() / kInsn);
  std::memset(base_ + off, 0, kHeader);
  std::memcpy(base_ + off, &len, sizeof len);
  std::memcpy(base_ + off + 8, &filter, sizeof filter);
  std::memcpy(base_ + off + kHeader, program.data(), program.size());
  program_used_ += need;
  programs_.emplace(std::string(program), fprog);
  return fprog;
}

namespace {

// One line of /proc/PID/maps: "start-end perms offset dev inode [path]".
struct MapsLine {
  std::uint64_t start = 0, end = 0;
  char perms[5] = {};
  unsigned long inode = 0;
  bool sysv = false;  // a System V shared memory segment ("/SYSV<key> (deleted)")
};

bool parse_maps_line(const std::string& line, MapsLine& out) {
  unsigned long long start = 0, end = 0;
  unsigned long inode = 0;
  char perms[5] = {};
  int path_at = 0;
  if (std::sscanf(line.c_str(), "%llx-%llx %4s %*s %*s %lu %n", &start, &end, perms, &inode,
                  &path_at) < 4)
    return false;
  out.start = start;
  out.end = end;
  std::memcpy(out.perms, perms, sizeof perms);
  out.inode = inode;
  out.sysv = path_at > 0 && line.compare(static_cast<std::size_t>(path_at), 5, "/SYSV") == 0;
  return true;
}

}  // namespace

PathScratch::Seen PathScratch::classify_maps(std::string_view maps, int id) {
  Seen seen = Seen::free;
  std::size_t pos = 0;
  while (pos < maps.size()) {
    const std::size_t nl = maps.find('\n', pos);
    const std::string line(maps.substr(pos, nl == std::string_view::npos ? nl : nl - pos));
    pos = nl == std::string_view::npos ? maps.size() : nl + 1;
    MapsLine m;
    if (!parse_maps_line(line, m)) return Seen::other;  // not what the kernel writes: fail closed
    if (m.start >= kEnd) break;
    if (m.end <= kAddr) continue;
    // Something overlaps the range: it must be exactly our segment, read-only and shared (the
    // inode of a System V segment's file is its id), and the only mapping there.
    const bool exact = m.start == kAddr && m.end == kEnd && m.sysv &&
                       m.inode == static_cast<unsigned long>(id) && m.perms[0] == 'r' &&
                       m.perms[1] == '-' && m.perms[3] == 's';
    if (!exact || seen == Seen::ours) return Seen::other;
    seen = Seen::ours;
  }
  return seen;
}

PathScratch::Seen PathScratch::seen_in(pid_t pid) const {
  std::ifstream in("/proc/" + std::to_string(pid) + "/maps");
  if (!in) return Seen::other;
  std::string text, line;
  while (std::getline(in, line)) {
    text += line;
    text += '\n';
    unsigned long long start = 0;
    if (std::sscanf(line.c_str(), "%llx-", &start) == 1 && start >= kEnd) break;
  }
  if (in.bad()) return Seen::other;
  return classify_maps(text, id_);
}

}  // namespace xpledge
