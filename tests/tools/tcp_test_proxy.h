// TcpTestProxy: a TCP relay on loopback between one client and one server, which a test
// tells to cut the client off (connections closed at once) or to lose the reply to one
// request. For clients that open a connection per request (HTTP/1.1 with Connection:
// close, as the etcd client does); connections are relayed one at a time.
//
// Thread safety: the setters may be called from any thread; the relay runs on its own.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace kairos::testing {

class TcpTestProxy {
 public:
  // Relays to 127.0.0.1:`upstream_port`; listens on a free loopback port.
  explicit TcpTestProxy(std::uint16_t upstream_port) : upstream_port_(upstream_port) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = loopback(0);
    socklen_t n = sizeof a;
    ok_ = listen_fd_ >= 0 && ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), n) == 0 &&
          ::listen(listen_fd_, 16) == 0 &&
          ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &n) == 0;
    port_ = ntohs(a.sin_port);
    if (ok_) thread_ = std::thread([this] { run(); });
  }
  ~TcpTestProxy() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (listen_fd_ >= 0) ::close(listen_fd_);
  }
  TcpTestProxy(const TcpTestProxy&) = delete;
  TcpTestProxy& operator=(const TcpTestProxy&) = delete;

  bool ok() const { return ok_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // While set, each connection is closed as soon as it is accepted.
  void set_cut_off(bool cut_off) { cut_off_ = cut_off; }
  // The next request whose first bytes contain `text` reaches the server, but its reply
  // does not reach the client (the connection just closes).
  void lose_next_reply_to(const std::string& text) {
    std::lock_guard lock(mu_);
    lose_reply_to_ = text;
  }
  int replies_lost() const { return replies_lost_; }

 private:
  static sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    return a;
  }

  void run() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      if (!cut_off_) relay(client);
      ::close(client);
    }
  }

  // Copies bytes both ways until the server closes (or the client does).
  void relay(int client) {
    const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = loopback(upstream_port_);
    if (server < 0 || ::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      if (server >= 0) ::close(server);
      return;
    }
    bool first_bytes = true;
    bool lose_reply = false;
    char buf[16384];
    while (!stop_) {
      pollfd p[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
      if (::poll(p, 2, 50) <= 0) continue;
      if (p[0].revents != 0) {
        const ssize_t n = ::read(client, buf, sizeof buf);
        if (n <= 0) break;
        if (first_bytes) lose_reply = should_lose(std::string(buf, static_cast<std::size_t>(n)));
        first_bytes = false;
        if (::send(server, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) break;
      }
      if (p[1].revents != 0) {
        const ssize_t n = ::read(server, buf, sizeof buf);
        if (n <= 0) break;
        if (!lose_reply && ::send(client, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n)
          break;
      }
    }
    if (lose_reply) ++replies_lost_;
    ::close(server);
  }

  bool should_lose(const std::string& request) {
    std::lock_guard lock(mu_);
    if (lose_reply_to_.empty() || request.find(lose_reply_to_) == std::string::npos) return false;
    lose_reply_to_.clear();
    return true;
  }

  const std::uint16_t upstream_port_;
  int listen_fd_ = -1;
  bool ok_ = false;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> cut_off_{false};
  std::atomic<int> replies_lost_{0};
  std::mutex mu_;
  std::string lose_reply_to_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace kairos::testing
