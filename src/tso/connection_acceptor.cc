#include "tso/connection_acceptor.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <string_view>
#include <thread>

#include "kairos/clock.h"
#include "tso/failure_report.h"
#include "tso/unix_socket_path.h"

namespace kairos::tso {
namespace {

constexpr int kBacklog = 1024;
constexpr int kRetryAfterMs = 100;
// What an HTTP/2 client sends first (RFC 9113, section 3.4); gRPC over cleartext too.
constexpr std::string_view kClientPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
// After part of the preface, how long until the rest is looked for (not polled: the part
// already there keeps the socket readable).
constexpr auto kLookAgainAfter = milliseconds(10);

std::string errno_text(int err) { return std::strerror(err); }

// A listening socket on `address`, or the errno of the step that failed. `before_listen`
// (may be empty) runs between bind and listen, when no client can connect yet; it returns
// 0, or -1 with errno set.
Result<int> listen_on(const sockaddr* address, socklen_t length,
                      const std::function<int()>& before_listen = {}) {
  const int fd = ::socket(address->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Unavailable(errno_text(errno));
  const int one = 1;
  const int zero = 0;
  int rc = ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  // "[::]" serves IPv4 too, as gRPC's listener does.
  if (rc == 0 && address->sa_family == AF_INET6)
    rc = ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  if (rc == 0) rc = ::bind(fd, address, length);
  if (rc == 0 && before_listen) rc = before_listen();
  if (rc == 0) rc = ::listen(fd, kBacklog);
  if (rc != 0) {
    const int err = errno;
    ::close(fd);
    return Status::Unavailable(errno_text(err));
  }
  return fd;
}

int bound_port(int fd) {
  sockaddr_storage s{};
  socklen_t n = sizeof s;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&s), &n) != 0) return 0;
  if (s.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&s)->sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6*>(&s)->sin6_port);
}

// Listening sockets on every address `address.host` resolves to; an error when none binds.
Result<std::vector<int>> listen_tcp(const HostPort& address) {
  const std::string where = "cannot listen for gRPC on " + address.to_string() + ": ";
  addrinfo hints{};
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(address.port);
  if (const int rc = ::getaddrinfo(address.host.c_str(), port.c_str(), &hints, &found); rc != 0)
    return Status::Unavailable(where + "cannot resolve '" + address.host +
                               "': " + ::gai_strerror(rc));
  std::vector<int> fds;
  Status first_error = Status::Unavailable(where + errno_text(EADDRNOTAVAIL));
  bool failed = false;
  std::uint16_t chosen = address.port;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    sockaddr_storage s{};
    std::memcpy(&s, a->ai_addr, a->ai_addrlen);
    // Port 0: the kernel picks one for the first address; the others take the same.
    if (s.ss_family == AF_INET) reinterpret_cast<sockaddr_in*>(&s)->sin_port = htons(chosen);
    if (s.ss_family == AF_INET6) reinterpret_cast<sockaddr_in6*>(&s)->sin6_port = htons(chosen);
    Result<int> fd = listen_on(reinterpret_cast<sockaddr*>(&s), a->ai_addrlen);
    if (!fd.ok()) {
      if (!failed) first_error = Status::Unavailable(where + fd.status().message());
      failed = true;
      continue;
    }
    if (chosen == 0) chosen = static_cast<std::uint16_t>(bound_port(*fd));
    fds.push_back(*fd);
  }
  ::freeaddrinfo(found);
  if (fds.empty()) return first_error;
  return fds;
}

Result<int> listen_unix(const std::string& path, std::optional<std::uint32_t> mode) {
  if (Status s = check_unix_socket_unused(path); !s.ok()) return s;
  const std::string where = "cannot listen for gRPC on unix:" + path + ": ";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path)
    return Status::Unavailable(where + "path longer than " +
                               std::to_string(sizeof addr.sun_path - 1) + " bytes");
  std::memcpy(addr.sun_path, path.data(), path.size());
  ::unlink(path.c_str());  // a socket file nobody listens on (checked above)
  // The mode is set before listen(): no client connects under the umask's mode first.
  bool chmod_failed = false;
  auto set_mode = [&] {
    if (!mode) return 0;
    const int rc = ::chmod(path.c_str(), static_cast<mode_t>(*mode));
    chmod_failed = rc != 0;
    return rc;
  };
  Result<int> fd = listen_on(reinterpret_cast<sockaddr*>(&addr), sizeof addr, set_mode);
  if (!fd.ok()) {
    if (chmod_failed) ::unlink(path.c_str());
    char what[32] = "";
    if (chmod_failed)
      std::snprintf(what, sizeof what, "chmod %04o: ", static_cast<unsigned>(*mode));
    return Status::Unavailable(where + what + fd.status().message());
  }
  return fd;
}

// accept4 errors that concern one connection only (accept(2): pending network errors are
// to be treated like EAGAIN); any other error pauses accepting for a while.
bool concerns_one_connection(int err) {
  switch (err) {
    case EAGAIN:
    case EINTR:
    case ECONNABORTED:
    case EPERM:  // a firewall rule
    case EPROTO:
    case ENETDOWN:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
      return true;
    default:
      return false;
  }
}

// Descriptors from this number on are left to the rest of the daemon (store writes, etcd
// calls, logs): connections that would take one are closed at once.
int descriptor_ceiling(int reserved_files) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY ||
      limit.rlim_cur > static_cast<rlim_t>(std::numeric_limits<int>::max()))
    return std::numeric_limits<int>::max();
  const int soft = static_cast<int>(limit.rlim_cur);
  return soft > reserved_files ? soft - reserved_files : soft / 2;
}

}  // namespace

Result<std::unique_ptr<ConnectionAcceptor>> ConnectionAcceptor::listen(
    const GrpcAddress& address, ConnectionAcceptorOptions options) {
  std::vector<int> listeners;
  if (address.is_unix()) {
    Result<int> fd = listen_unix(address.unix_path, options.unix_mode);
    if (!fd.ok()) return fd.status();
    listeners.push_back(*fd);
  } else {
    Result<std::vector<int>> fds = listen_tcp(address.tcp);
    if (!fds.ok()) return fds.status();
    listeners = std::move(*fds);
  }
  const int wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake < 0) {
    const int err = errno;
    for (int fd : listeners) ::close(fd);
    return Status::Unavailable("eventfd: " + errno_text(err));
  }
  const int port = address.is_unix() ? 0 : bound_port(listeners.front());
  struct stat socket_file {};
  if (address.is_unix()) ::stat(address.unix_path.c_str(), &socket_file);
  return std::unique_ptr<ConnectionAcceptor>(new ConnectionAcceptor(
      std::move(listeners), address.unix_path, {socket_file.st_dev, socket_file.st_ino}, port,
      descriptor_ceiling(options.reserved_files), options.preface_within, wake));
}

ConnectionAcceptor::ConnectionAcceptor(std::vector<int> listeners, std::string unix_path,
                                       FileId unix_file, int port, int fd_ceiling,
                                       Duration preface_within, int wake_fd)
    : listeners_(std::move(listeners)),
      unix_path_(std::move(unix_path)),
      unix_file_(unix_file),
      port_(port),
      fd_ceiling_(fd_ceiling),
      preface_within_(preface_within),
      wake_fd_(wake_fd) {}

ConnectionAcceptor::~ConnectionAcceptor() {
  stop();
  ::close(wake_fd_);
}

void ConnectionAcceptor::start(std::function<void(int fd)> take,
                               std::function<void(const std::string&)> report) {
  thread_ = std::thread(
      [this, take = std::move(take), report = std::move(report)] { run(take, report); });
}

void ConnectionAcceptor::stop() {
  if (listeners_.empty()) return;
  const std::uint64_t one = 1;
  (void)::write(wake_fd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
  for (int fd : listeners_) ::close(fd);
  listeners_.clear();
  // Only our socket file: another server may have taken the path over since.
  struct stat now {};
  if (!unix_path_.empty() && ::lstat(unix_path_.c_str(), &now) == 0 &&
      FileId{now.st_dev, now.st_ino} == unix_file_)
    ::unlink(unix_path_.c_str());
}

// How much of the client preface `fd` has sent, read without taking it off the socket.
ConnectionAcceptor::Preface ConnectionAcceptor::preface_of(int fd) {
  char buf[kClientPreface.size()];
  const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return Preface::kNone;
  if (n <= 0) return Preface::kWrong;  // closed, or an error: nothing for gRPC
  const std::string_view got(buf, static_cast<std::size_t>(n));
  if (!kClientPreface.starts_with(got)) return Preface::kWrong;
  return got.size() == kClientPreface.size() ? Preface::kWhole : Preface::kPart;
}

void ConnectionAcceptor::run(const std::function<void(int fd)>& take,
                             const std::function<void(const std::string&)>& report) {
  FailureReport failures("accepting gRPC connections");
  // Closing connections near the limit has no end line: with clients coming and going at
  // the limit, every accept below it would end the run, and the next close start one.
  FailureReport closing("accepting gRPC connections near the open-files limit");
  MonoTime last_closed{};  // a minute without closing ends that report's run
  const auto tell = [&](const std::optional<std::string>& line) {
    if (line && report) report(*line);
  };
  std::vector<Quiet> quiet;
  std::vector<pollfd> polled;
  bool pausing = false;
  while (true) {
    // Watched: the wake-up, the quiet connections, then (unless pausing: they would stay
    // readable and spin the loop) the listening sockets.
    polled.assign(1, {wake_fd_, POLLIN, 0});
    for (const Quiet& q : quiet)
      polled.push_back({q.fd, static_cast<short>(q.look_again_at == MonoTime{} ? POLLIN : 0), 0});
    if (!pausing)
      for (int fd : listeners_) polled.push_back({fd, POLLIN, 0});
    MonoTime wake_at = MonoTime::max();
    for (const Quiet& q : quiet) {
      wake_at = std::min(wake_at, q.deadline);
      if (q.look_again_at != MonoTime{}) wake_at = std::min(wake_at, q.look_again_at);
    }
    MonoTime now = SystemClock::instance().monotonic();
    if (pausing) wake_at = std::min(wake_at, now + milliseconds(kRetryAfterMs));
    const int timeout_ms = wake_at == MonoTime::max()
                               ? -1
                               : static_cast<int>(std::clamp<std::int64_t>(
                                     std::chrono::ceil<milliseconds>(wake_at - now).count(), 0,
                                     std::numeric_limits<int>::max()));
    const int ready = ::poll(polled.data(), static_cast<nfds_t>(polled.size()), timeout_ms);
    if (polled[0].revents != 0) break;  // stop()
    pausing = false;
    if (ready < 0 && errno != EINTR) {
      tell(failures.failed(SystemClock::instance().monotonic(), "poll: " + errno_text(errno)));
      std::this_thread::sleep_for(milliseconds(kRetryAfterMs));
      continue;
    }
    now = SystemClock::instance().monotonic();
    // Quiet connections that sent the preface go to gRPC; those that sent anything else,
    // or nothing for too long, are closed.
    std::vector<Quiet> still_quiet;
    for (std::size_t i = 0; i < quiet.size(); ++i) {
      Quiet q = quiet[i];
      const bool look = (ready > 0 && polled[1 + i].revents != 0) ||
                        (q.look_again_at != MonoTime{} && now >= q.look_again_at);
      const Preface preface = look ? preface_of(q.fd) : Preface::kNone;
      if (preface == Preface::kWhole) {
        take(q.fd);
      } else if (preface == Preface::kWrong || now >= q.deadline) {
        ::close(q.fd);
      } else {
        q.look_again_at = preface == Preface::kPart ? now + kLookAgainAfter : MonoTime{};
        still_quiet.push_back(q);
      }
    }
    for (std::size_t i = 1 + quiet.size(); ready > 0 && i < polled.size(); ++i) {
      if (polled[i].revents == 0) continue;
      const int fd = ::accept4(polled[i].fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (concerns_one_connection(errno)) continue;
        tell(failures.failed(now, errno_text(errno)));  // EMFILE and the like: wait
        pausing = true;
      } else if (fd >= fd_ceiling_) {
        ::close(fd);  // the client sees it closed at once, and may try another node
        last_closed = now;
        tell(closing.failed(now, "descriptors from " + std::to_string(fd_ceiling_) +
                                     " are kept for the daemon; new connections are closed"));
      } else {
        if (unix_path_.empty()) {
          const int one = 1;
          (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        }
        tell(failures.succeeded(now));
        if (now - last_closed >= minutes(1)) tell(closing.succeeded(now));
        still_quiet.push_back({fd, now + preface_within_});
      }
    }
    quiet = std::move(still_quiet);
  }
  for (const Quiet& q : quiet) ::close(q.fd);
}

}  // namespace kairos::tso
