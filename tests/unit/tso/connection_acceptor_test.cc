#include "tso/connection_acceptor.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace kairos::tso {
namespace {

// Whether ConnectionAcceptor could listen on `address` now (the acceptor closes at once).
Status listen_status(const HostPort& address) {
  return ConnectionAcceptor::listen(GrpcAddress{"", address}).status();
}

// A socket listening on 127.0.0.1 at a port the kernel picked; closed on destruction.
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t n = sizeof a;
    ok_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&a), n) == 0 &&
          ::listen(fd_, 4) == 0 && ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &n) == 0;
    port_ = ntohs(a.sin_port);
  }
  ~Listener() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return ok_; }
  std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  bool ok_ = false;
  std::uint16_t port_ = 0;
};

TEST(ConnectionAcceptor, APortSomeoneListensOnIsNamedInUse) {
  Listener other;
  ASSERT_TRUE(other.ok());
  const HostPort taken{"127.0.0.1", other.port()};
  const Status s = listen_status(taken);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(),
            "cannot listen for gRPC on " + taken.to_string() + ": Address already in use");
  // The wildcard address overlaps it too.
  EXPECT_FALSE(listen_status({"0.0.0.0", other.port()}).ok());
}

TEST(ConnectionAcceptor, AFreePortPasses) {
  std::uint16_t port = 0;
  {
    Listener gone;  // a port just freed: nobody holds it now
    ASSERT_TRUE(gone.ok());
    port = gone.port();
  }
  EXPECT_TRUE(listen_status({"127.0.0.1", port}).ok());
}

TEST(ConnectionAcceptor, AnAddressOfAnotherHostIsNamed) {
  // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this host.
  const Status s = listen_status({"192.0.2.1", 11190});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "cannot listen for gRPC on 192.0.2.1:11190: Cannot assign requested address");
}

TEST(ConnectionAcceptor, PortZeroStillChecksTheAddress) {
  EXPECT_TRUE(listen_status({"127.0.0.1", 0}).ok());
  const Status s = listen_status({"192.0.2.1", 0});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "cannot listen for gRPC on 192.0.2.1:0: Cannot assign requested address");
}

// Listens on every address `host` resolves to, at one port the kernel picked for the first.
class NameListener {
 public:
  explicit NameListener(const char* host) {
    addrinfo hints{};
    hints.ai_flags = AI_PASSIVE;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host, "0", &hints, &found) != 0) return;
    // The first address must work; a later one this host cannot use (::1 without IPv6)
    // cannot be bound by the check either.
    ok_ = listen_on(*found);
    for (addrinfo* a = found->ai_next; a != nullptr && ok_; a = a->ai_next) listen_on(*a);
    ::freeaddrinfo(found);
  }
  ~NameListener() {
    for (int fd : fds_) ::close(fd);
  }
  bool ok() const { return ok_ && !fds_.empty(); }
  std::uint16_t port() const { return port_; }

 private:
  bool listen_on(addrinfo& a) {
    const int fd = ::socket(a.ai_family, a.ai_socktype | SOCK_CLOEXEC, a.ai_protocol);
    if (fd < 0) return false;
    fds_.push_back(fd);
    sockaddr_storage s{};
    std::memcpy(&s, a.ai_addr, a.ai_addrlen);
    // sin_port and sin6_port sit at the same offset.
    reinterpret_cast<sockaddr_in*>(&s)->sin_port = htons(port_);
    socklen_t n = a.ai_addrlen;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&s), n) != 0 || ::listen(fd, 4) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&s), &n) != 0)
      return false;
    port_ = ntohs(reinterpret_cast<sockaddr_in*>(&s)->sin_port);
    return true;
  }

  std::vector<int> fds_;
  std::uint16_t port_ = 0;
  bool ok_ = false;
};

TEST(ConnectionAcceptor, ANameIsCheckedOnEveryAddressItResolvesTo) {
  NameListener other("localhost");
  ASSERT_TRUE(other.ok());
  const HostPort taken{"localhost", other.port()};
  const Status s = listen_status(taken);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "cannot listen for gRPC on " + taken.to_string() + ": Address already in use");
}

TEST(ConnectionAcceptor, ANameWhoseAddressesAreFreePasses) {
  std::uint16_t port = 0;
  {
    NameListener gone("localhost");
    ASSERT_TRUE(gone.ok());
    port = gone.port();
  }
  EXPECT_TRUE(listen_status({"localhost", port}).ok());
}

// What an acceptor handed over and reported, for a test to wait on.
class Taken {
 public:
  ~Taken() {
    for (int fd : fds_) ::close(fd);
  }
  void take(int fd) {
    std::lock_guard lock(mu_);
    fds_.push_back(fd);
    cv_.notify_all();
  }
  void report(const std::string& line) {
    std::lock_guard lock(mu_);
    lines_.push_back(line);
    cv_.notify_all();
  }
  // Waits (at most 10 s) until `n` connections were taken.
  bool wait_fds(std::size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return fds_.size() >= n; });
  }
  bool wait_lines(std::size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return lines_.size() >= n; });
  }
  std::vector<int> fds() {
    std::lock_guard lock(mu_);
    return fds_;
  }
  std::vector<std::string> lines() {
    std::lock_guard lock(mu_);
    return lines_;
  }
  // An acceptor on 127.0.0.1 (a port the kernel picks) that hands its connections and
  // reports here; null if it cannot listen. Declare it after this Taken.
  std::unique_ptr<ConnectionAcceptor> accept_on_loopback(ConnectionAcceptorOptions options = {}) {
    auto acceptor = ConnectionAcceptor::listen(GrpcAddress{"", {"127.0.0.1", 0}}, options);
    if (!acceptor.ok()) return nullptr;
    (*acceptor)->start([this](int fd) { take(fd); },
                       [this](const std::string& line) { report(line); });
    return std::move(*acceptor);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<int> fds_;
  std::vector<std::string> lines_;
};

// A client socket connected to 127.0.0.1:`port` (the kernel completes the handshake into
// the listen queue without an accept), silent.
int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
  if (fd >= 0) ::close(fd);
  return -1;
}

constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

bool send_text(int fd, std::string_view text) {
  return ::send(fd, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
}
// Sends HTTP/2's client preface: the acceptor hands a connection over once it has.
bool speak(int fd) { return send_text(fd, kPreface); }

// Waits (at most 10 s) for the other side to close `fd` (a reset when it left our bytes
// unread).
bool closed_by_peer(int fd) {
  pollfd p{fd, POLLIN, 0};
  char byte = 0;
  if (::poll(&p, 1, 10'000) != 1) return false;
  const ssize_t n = ::recv(fd, &byte, 1, MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno == ECONNRESET);
}

TEST(ConnectionAcceptor, HandsOverEachConnectionReadyForGrpc) {
  Taken taken;
  const std::unique_ptr<ConnectionAcceptor> acceptor = taken.accept_on_loopback();
  ASSERT_NE(acceptor, nullptr);
  std::vector<int> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(connect_to(acceptor->port()));
  for (int c : clients) ASSERT_TRUE(c >= 0 && speak(c));
  ASSERT_TRUE(taken.wait_fds(3));
  for (int fd : taken.fds()) {
    EXPECT_NE(::fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
    EXPECT_NE(::fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
    int nodelay = 0;
    socklen_t n = sizeof nodelay;
    ASSERT_EQ(::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &n), 0);
    EXPECT_EQ(nodelay, 1);
  }
  EXPECT_TRUE(taken.lines().empty());
  acceptor->stop();
  EXPECT_LT(connect_to(acceptor->port()), 0);  // nobody listens any more
  for (int c : clients) ::close(c);
}

// The lowest descriptor number free now (the next socket or file gets it).
int lowest_free_descriptor() {
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) ::close(fd);
  return fd;
}

// gRPC 1.51's own listener never accepts again after an EMFILE; this one waits and goes on.
TEST(ConnectionAcceptor, KeepsAcceptingAfterRunningOutOfDescriptors) {
  Taken taken;
  const std::unique_ptr<ConnectionAcceptor> acceptor = taken.accept_on_loopback();
  ASSERT_NE(acceptor, nullptr);
  const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(client, 0);
  // Descriptors are numbered from the lowest free one: a limit at that number makes the
  // next accept fail with EMFILE. The client connects only then (connect needs no new one).
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit low = saved;
  low.rlim_cur = static_cast<rlim_t>(lowest_free_descriptor());
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(acceptor->port()));
  const int connected = ::connect(client, reinterpret_cast<sockaddr*>(&a), sizeof a);
  speak(client);
  const bool told = connected == 0 && taken.wait_lines(1);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  ASSERT_EQ(connected, 0);
  ASSERT_TRUE(told);
  EXPECT_EQ(taken.lines()[0].rfind("accepting gRPC connections failed: Too many open files", 0), 0u)
      << taken.lines()[0];
  ASSERT_TRUE(taken.wait_fds(1));
  ASSERT_TRUE(taken.wait_lines(2));
  EXPECT_EQ(taken.lines()[1].rfind("accepting gRPC connections works again after ", 0), 0u)
      << taken.lines()[1];
  ::close(client);
}

// The last descriptors under the limit are the rest of the daemon's: a connection that
// would take one is closed at once, and the ones before it are served.
TEST(ConnectionAcceptor, ClosesConnectionsThatWouldTakeTheReservedDescriptors) {
  Taken taken;
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  // Room for the acceptor's listening socket and eventfd, this test's first client and
  // the connection accepted for it, no more.
  const int room = lowest_free_descriptor() + 4;
  const std::unique_ptr<ConnectionAcceptor> acceptor =
      taken.accept_on_loopback({.reserved_files = static_cast<int>(limit.rlim_cur) - room});
  ASSERT_NE(acceptor, nullptr);
  const int first = connect_to(acceptor->port());
  ASSERT_TRUE(first >= 0 && speak(first));
  ASSERT_TRUE(taken.wait_fds(1));
  const int second = connect_to(acceptor->port());
  ASSERT_GE(second, 0);
  ASSERT_TRUE(taken.wait_lines(1));
  EXPECT_EQ(
      taken.lines()[0].rfind("accepting gRPC connections near the open-files limit failed: ", 0),
      0u)
      << taken.lines()[0];
  EXPECT_TRUE(closed_by_peer(second));
  EXPECT_EQ(taken.fds().size(), 1u);
  ::close(first);
  ::close(second);
}

// gRPC is given a connection only once it has sent HTTP/2's preface: one that stays silent
// is closed (gRPC's own listener would close it after its 120 s handshake timeout; a
// connection added from a descriptor has none).
TEST(ConnectionAcceptor, ASilentConnectionIsClosed) {
  Taken taken;
  const std::unique_ptr<ConnectionAcceptor> acceptor =
      taken.accept_on_loopback({.preface_within = milliseconds(50)});
  ASSERT_NE(acceptor, nullptr);
  const int silent = connect_to(acceptor->port());
  const int speaker = connect_to(acceptor->port());
  ASSERT_TRUE(silent >= 0 && speaker >= 0 && speak(speaker));
  EXPECT_TRUE(closed_by_peer(silent));
  ASSERT_TRUE(taken.wait_fds(1));
  EXPECT_EQ(taken.fds().size(), 1u);  // the speaker only
  EXPECT_TRUE(taken.lines().empty());
  ::close(silent);
  ::close(speaker);
}

// Anything but HTTP/2's preface is closed at once, long before the deadline.
TEST(ConnectionAcceptor, AClientThatDoesNotSpeakHttp2IsClosed) {
  Taken taken;
  const std::unique_ptr<ConnectionAcceptor> acceptor =
      taken.accept_on_loopback({.preface_within = seconds(60)});
  ASSERT_NE(acceptor, nullptr);
  const int stranger = connect_to(acceptor->port());
  ASSERT_TRUE(stranger >= 0 && send_text(stranger, "GET / HTTP/1.1\r\n\r\n"));
  EXPECT_TRUE(closed_by_peer(stranger));
  // A preface sent in two parts is handed over (whether the acceptor looked in between
  // or not).
  const int slow = connect_to(acceptor->port());
  ASSERT_TRUE(slow >= 0 && send_text(slow, kPreface.substr(0, 10)));
  ASSERT_TRUE(send_text(slow, kPreface.substr(10)));
  ASSERT_TRUE(taken.wait_fds(1));
  EXPECT_EQ(taken.fds().size(), 1u);
  ::close(stranger);
  ::close(slow);
}

TEST(ConnectionAcceptor, AUnixSocketIsOneServersAndRemovedOnStop) {
  const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                     ("kairos-acceptor-" + std::to_string(::getpid()) + ".sock");
  std::filesystem::remove(path);
  auto first = ConnectionAcceptor::listen(GrpcAddress{path.string(), {}});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ((*first)->port(), 0);
  EXPECT_TRUE(std::filesystem::is_socket(path));
  const auto second = ConnectionAcceptor::listen(GrpcAddress{path.string(), {}});
  EXPECT_EQ(second.status().message(), "another process is serving on unix:" + path.string());
  (*first)->stop();
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(ConnectionAcceptor, AUnixSocketFileGetsTheModeAskedFor) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() /
      ("kairos-acceptor-mode-" + std::to_string(::getpid()) + ".sock");
  // Two modes, so that at least one is not what the umask gives.
  for (std::uint32_t mode : {0600u, 0666u}) {
    auto acceptor = ConnectionAcceptor::listen(GrpcAddress{path.string(), {}},
                                               ConnectionAcceptorOptions{.unix_mode = mode});
    ASSERT_TRUE(acceptor.ok()) << acceptor.status().ToString();
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, mode);
    (*acceptor)->stop();
  }
}

}  // namespace
}  // namespace kairos::tso
