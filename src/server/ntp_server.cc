#include "server/ntp_server.h"

#include <array>

#include "io/datagram_batch.h"
#include "io/udp_socket.h"
#include "kairos/ntp/kiss_code.h"
#include "kairos/ntp/packet.h"

namespace kairos::server {
namespace {

// Longer datagrams are truncated by the socket and dropped as malformed.
constexpr std::size_t kMaxDatagram = 2048;
constexpr Duration kStopPollInterval = milliseconds(100);

}  // namespace

struct NtpServer::Worker {
  Worker(std::size_t batch, const RateLimitOptions& rl)
      : rx(batch, kMaxDatagram), tx(batch, ntp::kHeaderSize), limiter(rl), is_kod(batch) {}
  io::UdpSocket socket;
  io::ReceiveBatch rx;
  io::SendBatch tx;
  RateLimiter limiter;
  std::vector<char> is_kod;
  ThreadCounters counters;
};

NtpServer::NtpServer(ServerOptions options, const Clock& clock,
                     const Seqlock<ClockSnapshot>& snapshot)
    : options_(std::move(options)), clock_(clock), snapshot_(snapshot) {}

NtpServer::~NtpServer() { stop(); }

Status NtpServer::start() {
  if (options_.threads < 1) return Status::InvalidArgument("ntp server needs at least 1 thread");
  if (options_.batch < 1) options_.batch = 1;
  io::UdpOptions uo;
  uo.reuse_port = true;
  uo.rx_timestamps = true;
  uo.receive_timeout = kStopPollInterval;
  uo.receive_buffer_bytes = 4 << 20;
  io::SocketAddress addr = options_.listen;
  // SO_REUSEPORT would also let a second daemon of our user join the port and silently
  // take part of the clients: a socket bound without it first fails while one is bound.
  if (addr.port() != 0) {
    Result<io::UdpSocket> probe = io::UdpSocket::bind(addr, io::UdpOptions{});
    if (!probe.ok()) return probe.status().WithContext("ntp listen");
  }
  for (int i = 0; i < options_.threads; ++i) {
    auto w = std::make_unique<Worker>(options_.batch, options_.rate_limit);
    Result<io::UdpSocket> s = io::UdpSocket::bind(addr, uo);
    if (!s.ok()) return s.status().WithContext("ntp listen");
    w->socket = std::move(*s);
    if (i == 0) {
      // With port 0 the first socket gets a port; the others share it.
      Result<io::SocketAddress> local = w->socket.local_address();
      if (!local.ok()) return local.status();
      addr = *local;
      bound_ = *local;
    }
    workers_.push_back(std::move(w));
  }
  stopping_.store(false);
  for (auto& w : workers_) threads_.emplace_back([this, wp = w.get()] { run(*wp); });
  return Status::Ok();
}

void NtpServer::stop() {
  stopping_.store(true);
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

ServerCounters NtpServer::counters() const {
  ServerCounters sum;
  for (const auto& w : workers_) w->counters.accumulate(sum);
  return sum;
}

void NtpServer::run(Worker& w) {
  const RateLimitOptions& rl = options_.rate_limit;
  while (!stopping_.load(std::memory_order_relaxed)) {
    Result<std::size_t> got = w.rx.receive(w.socket);
    if (!got.ok() || *got == 0) continue;
    const std::size_t n = *got;
    w.counters.add_received(n);
    const ClockSnapshot snap = snapshot_.load();
    const UnixTime now = clock_.realtime();
    const MonoTime mono = rl.enabled ? clock_.monotonic() : MonoTime{};
    std::size_t out = 0;
    for (std::size_t i = 0; i < n; ++i) {
      std::span<std::uint8_t> buf = w.tx.buffer(out);
      auto reply = buf.first<ntp::kHeaderSize>();
      const std::span<const std::uint8_t> request = w.rx.data(i);
      if (w.rx.truncated(i)) {
        w.counters.add_dropped(RequestVerdict::kDropMalformed);
        continue;
      }
      const std::optional<UnixTime> kernel_rx = w.rx.kernel_rx_time(i);
      const UnixTime rx_time = kernel_rx ? clock_.from_system_realtime(*kernel_rx) : now;
      const RequestVerdict v = build_reply(request, rx_time, snap, now, reply);
      if (v != RequestVerdict::kReply) {
        w.counters.add_dropped(v);
        continue;
      }
      bool kod = false;
      if (rl.enabled && (rl.limit_loopback || !io::is_loopback(w.rx.peer(i)))) {
        const RateDecision d = w.limiter.check(io::address_hash(w.rx.peer(i)), mono);
        if (d != RateDecision::kAllow) w.counters.add_rate_limited();
        if (d == RateDecision::kLimitedDrop) {
          w.counters.add_dropped(RequestVerdict::kReply);
          continue;
        }
        if (d == RateDecision::kLimitedKod) {
          build_kiss_reply(request, ntp::kKissRate, reply);
          w.counters.add_kod();
          kod = true;
        }
      }
      w.is_kod[out] = kod ? 1 : 0;
      w.tx.set(out, ntp::kHeaderSize, w.rx.peer(i), w.rx.peer_length(i));
      ++out;
    }
    if (out == 0) continue;
    // Transmit timestamps as late as we can: one clock reading right before sendmmsg.
    const UnixTime tx_time = clock_.realtime();
    for (std::size_t j = 0; j < out; ++j) {
      if (!w.is_kod[j]) stamp_transmit(w.tx.buffer(j).first<ntp::kHeaderSize>(), snap, tx_time);
    }
    std::size_t failed = 0;
    Result<std::size_t> sent = w.tx.send(w.socket, out, failed);
    w.counters.add_replied(sent.ok() ? *sent : 0);
    w.counters.add_send_errors(sent.ok() ? failed : out);
  }
}

}  // namespace kairos::server
