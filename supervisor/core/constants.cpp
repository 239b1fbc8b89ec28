#include "constants.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <climits>

namespace xpledge {

namespace {

struct NamedConstant {
  std::string_view name;
  std::uint64_t value;
};

constexpr std::uint64_t u(long long v) { return static_cast<std::uint64_t>(v); }

#define XP_C(name) NamedConstant{#name, u(name)}
constexpr NamedConstant kConstants[] = {
    XP_C(AF_UNSPEC), XP_C(AF_UNIX), XP_C(AF_LOCAL), XP_C(AF_INET), XP_C(AF_INET6),
    XP_C(AF_NETLINK), XP_C(AF_PACKET), XP_C(AF_BLUETOOTH), XP_C(AF_VSOCK), XP_C(AF_ALG),
    XP_C(SOCK_STREAM), XP_C(SOCK_DGRAM), XP_C(SOCK_RAW), XP_C(SOCK_SEQPACKET),
    XP_C(SOCK_NONBLOCK), XP_C(SOCK_CLOEXEC),
    XP_C(O_RDONLY), XP_C(O_WRONLY), XP_C(O_RDWR), XP_C(O_ACCMODE), XP_C(O_CREAT), XP_C(O_EXCL),
    XP_C(O_NOCTTY), XP_C(O_TRUNC), XP_C(O_APPEND), XP_C(O_NONBLOCK), XP_C(O_DIRECTORY),
    XP_C(O_NOFOLLOW), XP_C(O_CLOEXEC), XP_C(O_TMPFILE), XP_C(O_PATH), XP_C(O_SYNC),
    XP_C(O_DSYNC),
    XP_C(CLONE_VM), XP_C(CLONE_FS), XP_C(CLONE_FILES), XP_C(CLONE_SIGHAND), XP_C(CLONE_PIDFD),
    XP_C(CLONE_PTRACE), XP_C(CLONE_VFORK), XP_C(CLONE_PARENT), XP_C(CLONE_THREAD),
    XP_C(CLONE_NEWNS), XP_C(CLONE_SYSVSEM), XP_C(CLONE_SETTLS), XP_C(CLONE_PARENT_SETTID),
    XP_C(CLONE_CHILD_CLEARTID), XP_C(CLONE_DETACHED), XP_C(CLONE_UNTRACED),
    XP_C(CLONE_CHILD_SETTID), XP_C(CLONE_NEWCGROUP), XP_C(CLONE_NEWUTS), XP_C(CLONE_NEWIPC),
    XP_C(CLONE_NEWUSER), XP_C(CLONE_NEWPID), XP_C(CLONE_NEWNET), XP_C(CLONE_IO),
    XP_C(CLONE_NEWTIME),
    XP_C(PROT_NONE), XP_C(PROT_READ), XP_C(PROT_WRITE), XP_C(PROT_EXEC),
    XP_C(MAP_SHARED), XP_C(MAP_PRIVATE), XP_C(MAP_FIXED), XP_C(MAP_ANONYMOUS),
    XP_C(MAP_NORESERVE), XP_C(MAP_GROWSDOWN), XP_C(MAP_FIXED_NOREPLACE), XP_C(MAP_32BIT),
    XP_C(MAP_POPULATE), XP_C(MAP_STACK), XP_C(MAP_HUGETLB),
    XP_C(AT_FDCWD), XP_C(AT_EMPTY_PATH), XP_C(AT_SYMLINK_NOFOLLOW), XP_C(AT_SYMLINK_FOLLOW),
    XP_C(AT_REMOVEDIR),
    XP_C(SIGHUP), XP_C(SIGINT), XP_C(SIGQUIT), XP_C(SIGILL), XP_C(SIGTRAP), XP_C(SIGABRT),
    XP_C(SIGBUS), XP_C(SIGFPE), XP_C(SIGKILL), XP_C(SIGUSR1), XP_C(SIGSEGV), XP_C(SIGUSR2),
    XP_C(SIGPIPE), XP_C(SIGALRM), XP_C(SIGTERM), XP_C(SIGCHLD), XP_C(SIGCONT), XP_C(SIGSTOP),
    XP_C(SIGTSTP), XP_C(SIGTTIN), XP_C(SIGTTOU), XP_C(SIGURG), XP_C(SIGXCPU), XP_C(SIGXFSZ),
    XP_C(SIGVTALRM), XP_C(SIGPROF), XP_C(SIGWINCH), XP_C(SIGIO), XP_C(SIGPWR), XP_C(SIGSYS),
    XP_C(PER_LINUX), XP_C(PER_LINUX32), XP_C(UNAME26), XP_C(ADDR_NO_RANDOMIZE),
    XP_C(READ_IMPLIES_EXEC), XP_C(ADDR_LIMIT_32BIT),
    XP_C(TIOCSTI), XP_C(TIOCLINUX),
    // Those the promise catalogue names (policies/promises.yaml).
    XP_C(F_DUPFD), XP_C(F_DUPFD_CLOEXEC), XP_C(F_GETFD), XP_C(F_GETFL), XP_C(F_GETLK),
    XP_C(F_GETOWN), XP_C(F_OFD_GETLK), XP_C(F_OFD_SETLK), XP_C(F_OFD_SETLKW), XP_C(F_SETFD),
    XP_C(F_SETFL), XP_C(F_SETLK), XP_C(F_SETLKW), XP_C(F_SETOWN), XP_C(F_SETOWN_EX),
    XP_C(F_SETSIG),
    XP_C(FIOCLEX), XP_C(FIONBIO), XP_C(FIONCLEX), XP_C(FIONREAD),
    XP_C(INT_MAX),
    XP_C(IPPROTO_ICMP), XP_C(IPPROTO_IP), XP_C(IPPROTO_IPV6), XP_C(IPPROTO_TCP),
    XP_C(IPPROTO_UDP),
    XP_C(PR_CAPBSET_READ), XP_C(PR_GET_DUMPABLE), XP_C(PR_GET_NAME), XP_C(PR_GET_NO_NEW_PRIVS),
    XP_C(PR_GET_SECCOMP), XP_C(PR_SET_NAME), XP_C(PR_SET_NO_NEW_PRIVS), XP_C(PR_SET_SECCOMP),
    XP_C(S_ISGID), XP_C(S_ISUID), XP_C(S_ISVTX),
    XP_C(SIOCATMARK),
    XP_C(SO_ERROR), XP_C(SO_RCVBUF), XP_C(SO_SNDBUF), XP_C(SO_TYPE), XP_C(SOL_SOCKET),
    XP_C(TCFLSH), XP_C(TCGETS), XP_C(TCP_NODELAY), XP_C(TCSBRK), XP_C(TCSETS), XP_C(TCSETSF),
    XP_C(TCSETSW), XP_C(TCXONC), XP_C(TIOCCBRK), XP_C(TIOCGPGRP), XP_C(TIOCGWINSZ),
    XP_C(TIOCSBRK), XP_C(TIOCSPGRP), XP_C(TIOCSWINSZ),
};
#undef XP_C

}  // namespace

std::optional<std::uint64_t> constant_value(std::string_view name) {
  for (const auto& c : kConstants)
    if (c.name == name) return c.value;
  return std::nullopt;
}

std::vector<std::string_view> constant_names() {
  std::vector<std::string_view> out;
  for (const auto& c : kConstants) out.push_back(c.name);
  return out;
}

}  // namespace xpledge
