#include "policy_text.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace xpledge {

namespace {

// A file descriptor, closed at scope exit.
class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

PolicyText unreadable(int err) { return {{}, PolicyText::Problem::unreadable, err}; }

// Reads fd to its end, but never more than kMaxPolicyBytes + 1 bytes (/dev/zero ends here too).
PolicyText read_capped(int fd) {
  PolicyText out;
  std::array<char, 64 * 1024> buf;
  while (true) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return unreadable(errno);
    if (n == 0) return out;
    out.text.append(buf.data(), static_cast<std::size_t>(n));
    if (out.text.size() > kMaxPolicyBytes) return {{}, PolicyText::Problem::too_big, 0};
  }
}

}  // namespace

PolicyText read_top_level_policy(const std::string& path) {
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOCTTY | O_CLOEXEC));
  if (fd.get() < 0) return unreadable(errno);
  return read_capped(fd.get());
}

// stat() first so that a device is
// never opened (opening one can have effects); O_NONBLOCK and fstat() for a file replaced by a
// FIFO or device in between.
PolicyText read_included_policy(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return unreadable(errno);
  if (!S_ISREG(st.st_mode)) return {{}, PolicyText::Problem::not_regular, 0};
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (fd.get() < 0) return unreadable(errno);
  if (::fstat(fd.get(), &st) != 0) return unreadable(errno);
  if (!S_ISREG(st.st_mode)) return {{}, PolicyText::Problem::not_regular, 0};
  if (static_cast<std::uintmax_t>(st.st_size) > kMaxPolicyBytes)
    return {{}, PolicyText::Problem::too_big, 0};
  return read_capped(fd.get());
}

}  // namespace xpledge
