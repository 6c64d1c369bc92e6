// impair_proxy: a UDP proxy that impairs traffic like netem would (netem is not available
// on these machines): fixed delay per direction, random jitter, loss, and the reordering
// that jitter implies. For tests and the accuracy benchmark; loopback only.
//
// A datagram's delay counts from when the kernel received it (SO_TIMESTAMPNS), as netem's
// counts from when the packet was queued, not from when this process got around to reading
// it: the proxy's own wake-up (tens of µs on a 2-core VM) would otherwise lengthen the legs
// unevenly, and every NTP client behind it would see the difference as offset (the LAN
// accuracy race measured +28 to +34 µs of bias in both clients before, −12 to +10 µs after).
// Sending waits on a µs-resolution timer with minimal timer slack and then spins the last
// kSpin, so datagrams leave within a few µs of when they are due.
//
// Each client address gets its own upstream socket, so replies find their way back.
// Bounded: at most --max-clients clients (a new client beyond that takes over the socket
// of the one heard from least recently, so a client that sends each request from a new
// port, as chronyd does by default, keeps working), at most 100000 datagrams in flight, and
// it exits after --duration, or on SIGTERM / SIGINT, printing how many datagrams it forwarded
// and dropped and how late it sent them.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "cli/finite_range.h"
#include "cli/latency_histogram.h"
#include "kairos/host_port.h"
#include "kairos/time.h"

namespace {

// Set by SIGTERM or SIGINT: the proxy stops as at the end of --duration and prints its
// figures (the accuracy race stops it that way).
volatile sig_atomic_t g_stop = 0;
void request_stop(int) { g_stop = 1; }

using Clock = std::chrono::steady_clock;

// How long before a datagram is due the proxy stops sleeping and spins.
constexpr auto kSpin = std::chrono::microseconds(30);

struct Options {
  std::string listen = "127.0.0.1:0";
  std::string upstream;
  std::string delay_up = "0", delay_down = "0";  // one-way base delays
  std::string jitter = "0";                      // added uniformly in [0, jitter]
  std::string jitter_kind = "uniform";           // uniform | exponential (mean = jitter)
  double loss = 0.0;                             // per datagram, each direction
  std::uint64_t seed = 1;
  std::string duration = "10m";
  std::size_t max_clients = 256;
  std::size_t max_queue = 100000;
};

struct Pending {
  Clock::time_point due;
  int fd;
  sockaddr_in to;
  std::vector<std::uint8_t> bytes;
  bool operator>(const Pending& o) const { return due > o.due; }
};

sockaddr_in to_sockaddr(const kairos::HostPort& hp) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(hp.port);
  if (inet_pton(AF_INET, hp.host.c_str(), &a.sin_addr) != 1) {
    std::fprintf(stderr, "impair_proxy: '%s' is not an IPv4 address\n", hp.host.c_str());
    std::exit(2);
  }
  return a;
}

kairos::Duration must_duration(const std::string& flag, const std::string& text) {
  auto d = kairos::parse_duration(text);
  if (!d.ok()) {
    std::fprintf(stderr, "impair_proxy: %s: %s\n", flag.c_str(), d.status().message().c_str());
    std::exit(2);
  }
  return *d;
}

// Asks the kernel to time-stamp each datagram received on `fd` (exits if it will not).
void stamp_receptions(int fd) {
  const int on = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) != 0) {
    std::fprintf(stderr, "impair_proxy: SO_TIMESTAMPNS: %s\n", std::strerror(errno));
    std::exit(1);
  }
}

// A received datagram: its length (-1 on error), sender, and when the kernel received it on
// the steady clock (its realtime stamp's age, subtracted from now; now when none came).
struct Received {
  ssize_t size = -1;
  sockaddr_in from{};
  Clock::time_point at;
};

Received receive(int fd, std::vector<std::uint8_t>& buf) {
  Received r;
  iovec iov{buf.data(), buf.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
  msghdr msg{};
  msg.msg_name = &r.from;
  msg.msg_namelen = sizeof r.from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  r.size = recvmsg(fd, &msg, 0);
  timespec real_now{};
  clock_gettime(CLOCK_REALTIME, &real_now);
  r.at = Clock::now();
  if (r.size < 0) return r;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS) continue;
    timespec stamp{};
    std::memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
    const auto age = std::chrono::seconds(real_now.tv_sec - stamp.tv_sec) +
                     std::chrono::nanoseconds(real_now.tv_nsec - stamp.tv_nsec);
    // A stamp from the future or from long ago means the realtime clock moved: use now.
    if (age >= std::chrono::nanoseconds(0) && age < std::chrono::seconds(1)) r.at -= age;
  }
  return r;
}

bool same(const sockaddr_in& a, const sockaddr_in& b) {
  return a.sin_port == b.sin_port && a.sin_addr.s_addr == b.sin_addr.s_addr;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"UDP proxy that delays, jitters and drops datagrams (netem in user space)"};
  app.add_option("--listen", o.listen, "IPv4 ADDR:PORT to receive clients on")->capture_default_str();
  app.add_option("--upstream", o.upstream, "IPv4 ADDR:PORT of the server")->required();
  app.add_option("--delay-up", o.delay_up, "One-way delay client -> server (e.g. 15ms)");
  app.add_option("--delay-down", o.delay_down, "One-way delay server -> client");
  app.add_option("--jitter", o.jitter, "Random extra delay per datagram (scale)");
  app.add_option("--jitter-kind", o.jitter_kind, "uniform in [0,jitter] or exponential (mean jitter)")
      ->check(CLI::IsMember({"uniform", "exponential"}));
  app.add_option("--loss", o.loss, "Drop probability per datagram")
      ->check(kairos::cli::finite_range(0.0, 1.0));
  app.add_option("--seed", o.seed, "PRNG seed");
  app.add_option("--max-clients", o.max_clients, "Client addresses tracked at once (LRU beyond)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--duration", o.duration, "Exit after this long")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const auto listen_hp = kairos::parse_host_port(o.listen, 0);
  const auto upstream_hp = kairos::parse_host_port(o.upstream, 123);
  if (!listen_hp.ok() || !upstream_hp.ok()) {
    std::fprintf(stderr, "impair_proxy: %s\n",
                 (!listen_hp.ok() ? listen_hp : upstream_hp).status().message().c_str());
    return 2;
  }
  const sockaddr_in upstream = to_sockaddr(*upstream_hp);
  const kairos::Duration delay_up = must_duration("--delay-up", o.delay_up);
  const kairos::Duration delay_down = must_duration("--delay-down", o.delay_down);
  const kairos::Duration jitter = must_duration("--jitter", o.jitter);
  const auto end = Clock::now() + must_duration("--duration", o.duration);

  const int listen_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  stamp_receptions(listen_fd);
  prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);  // wake when asked, not up to 50 µs later
  sockaddr_in la = to_sockaddr(*listen_hp);
  if (bind(listen_fd, reinterpret_cast<sockaddr*>(&la), sizeof la) != 0) {
    std::fprintf(stderr, "impair_proxy: cannot bind %s: %s\n", o.listen.c_str(), std::strerror(errno));
    return 1;
  }
  socklen_t len = sizeof la;
  getsockname(listen_fd, reinterpret_cast<sockaddr*>(&la), &len);
  std::printf("impair_proxy listening on %s:%d\n", listen_hp->host.c_str(), ntohs(la.sin_port));
  std::fflush(stdout);

  std::mt19937_64 rng(o.seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  auto extra = [&]() -> kairos::Duration {
    if (jitter.count() == 0) return kairos::Duration(0);
    const double x = o.jitter_kind == "uniform" ? unit(rng) : -std::log(1.0 - unit(rng));
    return kairos::from_seconds(kairos::to_seconds(jitter) * x);
  };

  struct Client {
    sockaddr_in address;
    int fd;                       // its upstream socket
    Clock::time_point last_seen;  // of its last request
  };
  std::vector<Client> clients;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> queue;
  std::uint64_t forwarded = 0, dropped = 0;
  kairos::cli::LatencyHistogram lateness;  // sendto − due: the proxy's own timing error
  std::vector<std::uint8_t> buf(65536);

  auto enqueue = [&](int fd, const sockaddr_in& to, const Received& r, kairos::Duration delay) {
    if (unit(rng) < o.loss || queue.size() >= o.max_queue) {
      ++dropped;
      return;
    }
    const auto* data = buf.data();
    queue.push({r.at + delay + extra(), fd, to,
                std::vector<std::uint8_t>(data, data + static_cast<std::size_t>(r.size))});
  };

  struct sigaction stop_action {};
  stop_action.sa_handler = request_stop;
  sigaction(SIGTERM, &stop_action, nullptr);
  sigaction(SIGINT, &stop_action, nullptr);
  while (Clock::now() < end && g_stop == 0) {
    std::vector<pollfd> fds{{listen_fd, POLLIN, 0}};
    for (const auto& c : clients) fds.push_back({c.fd, POLLIN, 0});
    auto wait = std::chrono::nanoseconds(std::chrono::milliseconds(100));
    if (!queue.empty()) {
      wait = std::clamp<std::chrono::nanoseconds>(queue.top().due - kSpin - Clock::now(),
                                                  std::chrono::nanoseconds(0), wait);
    }
    const timespec timeout{static_cast<time_t>(wait.count() / 1'000'000'000),
                           static_cast<long>(wait.count() % 1'000'000'000)};
    ppoll(fds.data(), fds.size(), &timeout, nullptr);
    if (fds[0].revents & POLLIN) {
      const Received r = receive(listen_fd, buf);
      const sockaddr_in& from = r.from;
      if (r.size >= 0) {
        auto it = std::find_if(clients.begin(), clients.end(), [&](auto& c) { return same(c.address, from); });
        if (it == clients.end() && clients.size() < o.max_clients) {
          const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
          stamp_receptions(fd);
          clients.push_back({from, fd, Clock::now()});
          it = clients.end() - 1;
        } else if (it == clients.end() && !clients.empty()) {
          // Full: the least recently heard client's socket now serves this one (late
          // replies to the old client reach the new one, which drops them as stale).
          it = std::min_element(clients.begin(), clients.end(),
                                [](auto& a, auto& b) { return a.last_seen < b.last_seen; });
          it->address = from;
        }
        if (it != clients.end()) {
          it->last_seen = Clock::now();
          enqueue(it->fd, upstream, r, delay_up);
        }
      }
    }
    for (std::size_t i = 1; i < fds.size(); ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      const Received r = receive(fds[i].fd, buf);
      if (r.size >= 0) enqueue(listen_fd, clients[i - 1].address, r, delay_down);
    }
    // Spin through the last kSpin before the next datagram is due.
    while (!queue.empty() && queue.top().due > Clock::now() && queue.top().due - Clock::now() <= kSpin) {
    }
    while (!queue.empty() && queue.top().due <= Clock::now()) {
      const Pending& p = queue.top();
      lateness.record(std::chrono::duration_cast<kairos::Duration>(Clock::now() - p.due));
      sendto(p.fd, p.bytes.data(), p.bytes.size(), 0, reinterpret_cast<const sockaddr*>(&p.to), sizeof p.to);
      ++forwarded;
      queue.pop();
    }
  }
  const auto us = [](kairos::Duration d) { return kairos::to_seconds(d) * 1e6; };
  std::printf("impair_proxy: forwarded %llu, dropped %llu; sent late by p50 %.1f us, p99 %.1f us, max %.1f us\n",
              static_cast<unsigned long long>(forwarded), static_cast<unsigned long long>(dropped),
              us(lateness.quantile(0.5)), us(lateness.quantile(0.99)), us(lateness.max()));
  for (const auto& c : clients) close(c.fd);
  close(listen_fd);
  return 0;
}
