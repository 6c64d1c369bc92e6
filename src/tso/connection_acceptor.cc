#include "tso/connection_acceptor.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "kairos/clock.h"
#include "tso/failure_report.h"
#include "tso/unix_socket_path.h"

namespace kairos::tso {
namespace {

constexpr int kBacklog = 1024;
constexpr int kRetryAfterMs = 100;

std::string errno_text(int err) { return std::strerror(err); }

// A listening socket on `address`, or the errno of the step that failed.
Result<int> listen_on(const sockaddr* address, socklen_t length) {
  const int fd = ::socket(address->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Unavailable(errno_text(errno));
  const int one = 1;
  const int zero = 0;
  int rc = ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  // "[::]" serves IPv4 too, as gRPC's listener does.
  if (rc == 0 && address->sa_family == AF_INET6)
    rc = ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  if (rc == 0) rc = ::bind(fd, address, length);
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
  std::uint16_t chosen = address.port;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    sockaddr_storage s{};
    std::memcpy(&s, a->ai_addr, a->ai_addrlen);
    // Port 0: the kernel picks one for the first address; the others take the same.
    if (s.ss_family == AF_INET) reinterpret_cast<sockaddr_in*>(&s)->sin_port = htons(chosen);
    if (s.ss_family == AF_INET6) reinterpret_cast<sockaddr_in6*>(&s)->sin6_port = htons(chosen);
    Result<int> fd = listen_on(reinterpret_cast<sockaddr*>(&s), a->ai_addrlen);
    if (!fd.ok()) {
      if (fds.empty()) first_error = Status::Unavailable(where + fd.status().message());
      continue;
    }
    if (chosen == 0) chosen = static_cast<std::uint16_t>(bound_port(*fd));
    fds.push_back(*fd);
  }
  ::freeaddrinfo(found);
  if (fds.empty()) return first_error;
  return fds;
}

Result<int> listen_unix(const std::string& path) {
  if (Status s = check_unix_socket_unused(path); !s.ok()) return s;
  const std::string where = "cannot listen for gRPC on unix:" + path + ": ";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path)
    return Status::Unavailable(where + "path longer than " +
                               std::to_string(sizeof addr.sun_path - 1) + " bytes");
  std::memcpy(addr.sun_path, path.data(), path.size());
  ::unlink(path.c_str());  // a socket file nobody listens on (checked above)
  Result<int> fd = listen_on(reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  if (!fd.ok()) return Status::Unavailable(where + fd.status().message());
  return fd;
}

bool out_of_resources(int err) {
  return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

}  // namespace

Result<std::unique_ptr<ConnectionAcceptor>> ConnectionAcceptor::listen(const GrpcAddress& address) {
  std::vector<int> listeners;
  if (address.is_unix()) {
    Result<int> fd = listen_unix(address.unix_path);
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
  return std::unique_ptr<ConnectionAcceptor>(
      new ConnectionAcceptor(std::move(listeners), address.unix_path, port, wake));
}

ConnectionAcceptor::ConnectionAcceptor(std::vector<int> listeners, std::string unix_path, int port,
                                       int wake_fd)
    : listeners_(std::move(listeners)),
      unix_path_(std::move(unix_path)),
      port_(port),
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
  if (!unix_path_.empty()) ::unlink(unix_path_.c_str());
}

void ConnectionAcceptor::run(const std::function<void(int fd)>& take,
                             const std::function<void(const std::string&)>& report) {
  std::vector<pollfd> polled;
  polled.push_back({wake_fd_, POLLIN, 0});
  for (int fd : listeners_) polled.push_back({fd, POLLIN, 0});
  FailureReport failures("accepting gRPC connections");
  const auto tell = [&](const std::optional<std::string>& line) {
    if (line && report) report(*line);
  };
  bool waiting_for_resources = false;
  while (true) {
    // Out of descriptors: only the wake-up is watched until the pause is over, or the
    // listening sockets, still readable, would spin the loop.
    const nfds_t watched = waiting_for_resources ? 1 : static_cast<nfds_t>(polled.size());
    const int ready = ::poll(polled.data(), watched, waiting_for_resources ? kRetryAfterMs : -1);
    if (ready < 0 && errno != EINTR) return;
    if (polled[0].revents != 0) return;  // stop()
    waiting_for_resources = false;
    for (std::size_t i = 1; i < polled.size(); ++i) {
      if (watched <= i || polled[i].revents == 0) continue;
      const int fd = ::accept4(polled[i].fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd >= 0) {
        if (unix_path_.empty()) {
          const int one = 1;
          (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        }
        tell(failures.succeeded(SystemClock::instance().monotonic()));
        take(fd);
      } else if (out_of_resources(errno)) {
        tell(failures.failed(SystemClock::instance().monotonic(), errno_text(errno)));
        waiting_for_resources = true;
      }
      // EAGAIN, ECONNABORTED, EINTR, EPERM (a firewall): nothing to wait for.
    }
  }
}

}  // namespace kairos::tso
