// `kairos loadgen HOST:PORT`: an NTP load generator (the role ntpperf plays for chrony).
// Each thread owns a connected UDP socket and sends client requests in batches (one UDP
// GSO send each, or sendmmsg),
// either as fast as a window of outstanding requests allows (default) or at a fixed total
// --rate. Every reply is validated (size, mode, origin matching an outstanding request,
// stratum, timestamps); the report gives replies per second, loss, invalid replies,
// Kiss-o'-Death count, and request→reply latency p50/p99 (send time to kernel receive
// time; also p99 over every request sent, counting unanswered ones as the slowest).
// Bounded by --duration and --count.
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "cli/finite_range.h"
#include "cli/latency_histogram.h"
#include "cli/request_ring.h"
#include "io/datagram_batch.h"
#include "io/socket_address.h"
#include "io/udp_socket.h"
#include "kairos/clock.h"
#include "kairos/ntp/packet.h"

namespace kairos::cli {
namespace {

struct LoadgenFlags {
  std::string target;
  double duration_s = 5;
  int threads = 1;
  double rate = 0;  // total requests/s; 0 = as fast as the window allows
  std::int64_t count = 0;
  int window = 256;
  int batch = 32;
  bool gso = true;  // send each batch as one UDP GSO datagram train when the kernel can
  bool json = false;
};

// Requests tracked per thread: 1 s (kLostAfter) of requests at up to 262k/s per thread;
// beyond that the oldest unanswered ones count as lost early.
constexpr std::size_t kRing = 1 << 18;
constexpr Duration kLostAfter = seconds(1);
constexpr Duration kDrain = milliseconds(300);

struct ThreadResult {
  std::uint64_t sent = 0;
  std::uint64_t replies = 0;  // valid replies
  std::uint64_t invalid = 0;  // the sum of the reasons below
  std::uint64_t bad_header = 0;    // wrong size, mode, version, or not our origin epoch
  std::uint64_t unexpected = 0;    // answers no outstanding request: unknown, expired, twice
  std::uint64_t bad_time = 0;      // stratum >= 16, zero or decreasing timestamps
  std::uint64_t kod = 0;
  std::uint64_t send_errors = 0;
  LatencyHistogram latency;
};

class LoadThread {
 public:
  LoadThread(const LoadgenFlags& f, io::UdpSocket sock, double rate, std::uint64_t max_count)
      : f_(f),
        sock_(std::move(sock)),
        rate_(rate),
        max_count_(max_count),
        rx_(static_cast<std::size_t>(f.batch) * 2, 512),
        tx_(static_cast<std::size_t>(f.batch), ntp::kHeaderSize),
        gso_(f.gso),
        ring_(kRing) {}

  void run(const Clock& clock, MonoTime start, MonoTime stop_sending) {
    epoch_secs_ = NtpTimestamp::from_unix(clock.realtime()).seconds();
    const MonoTime end = stop_sending + kDrain;
    while (true) {
      const MonoTime now = clock.monotonic();
      if (now >= end) break;
      ring_.expire((clock.realtime() - kLostAfter).time_since_epoch().count(), tx_.capacity());
      std::size_t want = 0;
      if (now < stop_sending && ring_.next() < max_count_) {
        if (rate_ > 0) {
          const auto due = static_cast<std::uint64_t>(to_seconds(now - start) * rate_);
          want = due > ring_.next() ? due - ring_.next() : 0;
        } else {
          const std::uint64_t out = ring_.outstanding();
          want = out < static_cast<std::uint64_t>(f_.window) ? f_.window - out : 0;
        }
        want = std::min<std::uint64_t>({want, tx_.capacity(), max_count_ - ring_.next()});
      }
      if (want > 0) send_batch(clock, want);
      receive(clock, want == 0 ? 1 : 0);
    }
  }

  ThreadResult result;

 private:
  void send_batch(const Clock& clock, std::size_t n) {
    const UnixTime now = clock.realtime();
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t seq = ring_.next() + i;
      ntp::NtpPacket p;
      p.version = 4;
      p.mode = ntp::Mode::kClient;
      p.transmit_time = NtpTimestamp::from_parts(epoch_secs_, static_cast<std::uint32_t>(seq));
      ntp::encode_header(p, tx_.buffer(i).first<ntp::kHeaderSize>());
      tx_.set(i, ntp::kHeaderSize, nullptr, 0);
    }
    const std::size_t failed = gso_ ? send_gso(n) : send_each(n);
    // Every slot counts as sent (a refused one is simply lost), so sequence numbers stay
    // dense.
    for (std::size_t i = 0; i < n; ++i) ring_.sent(now.time_since_epoch().count());
    result.sent += n;
    result.send_errors += failed;
  }

  // sendmmsg for slots [first, first + n); returns how many datagrams the kernel refused.
  std::size_t send_each(std::size_t n, std::size_t first = 0) {
    std::size_t failed = 0;
    Result<std::size_t> sent = tx_.send(sock_, n, failed, first);
    return sent.ok() ? failed : n;
  }

  // The batch's buffers are contiguous 48-byte slots, so the kernel can cut one UDP GSO
  // send into the datagrams: the same bytes on the wire for a fraction of the CPU, which
  // keeps the load generator faster than the servers it measures. Falls back to sendmmsg
  // for good when the kernel cannot.
  std::size_t send_gso(std::size_t n) {
    std::size_t failed = 0;
    for (std::size_t i = 0; i < n; i += io::UdpSocket::kMaxSegments) {
      const std::size_t k = std::min(n - i, io::UdpSocket::kMaxSegments);
      const std::span<const std::uint8_t> bytes(tx_.buffer(i).data(), k * ntp::kHeaderSize);
      const Status s = sock_.send_segments(bytes, ntp::kHeaderSize);
      if (s.code() == StatusCode::kFailedPrecondition) {
        gso_ = false;
        std::fprintf(stderr, "kairos loadgen: %s; using sendmmsg\n", s.message().c_str());
        return failed + send_each(n - i, i);
      }
      if (!s.ok()) failed += k;
    }
    return failed;
  }

  void receive(const Clock& clock, int wait_ms) {
    if (wait_ms > 0) {
      pollfd pfd{sock_.fd(), POLLIN, 0};
      timespec ts{0, rate_ > 0 ? 50'000 : 1'000'000};
      if (ppoll(&pfd, 1, &ts, nullptr) <= 0) return;
    }
    Result<std::size_t> got = rx_.receive_now(sock_);
    if (!got.ok()) return;
    for (std::size_t i = 0; i < *got; ++i) {
      const std::optional<UnixTime> k = rx_.kernel_rx_time(i);
      const UnixTime rx_time = k ? *k : clock.realtime();
      check_reply(rx_.data(i), rx_time);
    }
  }

  void check_reply(std::span<const std::uint8_t> bytes, UnixTime rx_time) {
    Result<ntp::NtpPacket> h = ntp::decode_header(bytes);
    if (!h.ok() || bytes.size() != ntp::kHeaderSize || h->mode != ntp::Mode::kServer ||
        h->version != 4 || h->origin_time.seconds() != epoch_secs_) {
      ++result.invalid;
      ++result.bad_header;
      return;
    }
    // Which outstanding request does this answer? (sequence numbers are 32-bit on the wire)
    const std::uint32_t low = h->origin_time.fraction();
    const std::uint64_t seq = (ring_.next() & ~std::uint64_t{0xffffffff}) | low;
    const std::optional<std::int64_t> sent_ns = ring_.answer(seq);
    if (!sent_ns) {
      ++result.invalid;
      ++result.unexpected;
      return;
    }
    if (h->stratum == 0) {
      ++result.kod;
      return;
    }
    if (h->stratum >= 16 || h->receive_time.is_zero() || h->transmit_time.is_zero() ||
        h->transmit_time - h->receive_time < Duration(0)) {
      ++result.invalid;
      ++result.bad_time;
      return;
    }
    ++result.replies;
    result.latency.record(rx_time - UnixTime(Duration(*sent_ns)));
  }

  const LoadgenFlags& f_;
  io::UdpSocket sock_;
  double rate_;
  std::uint64_t max_count_;
  io::ReceiveBatch rx_;
  io::SendBatch tx_;
  bool gso_;
  RequestRing ring_;
  std::uint32_t epoch_secs_ = 0;
};

int run_loadgen(const LoadgenFlags& f) {
  Result<io::SocketAddress> target = io::SocketAddress::resolve(f.target, ntp::kDefaultPort);
  if (!target.ok()) {
    std::fprintf(stderr, "kairos loadgen: %s\n", target.status().message().c_str());
    return 2;
  }
  const Clock& clock = SystemClock::instance();
  io::UdpOptions uo;
  uo.rx_timestamps = true;
  uo.receive_buffer_bytes = 4 << 20;
  uo.send_buffer_bytes = 4 << 20;
  const std::uint64_t per_thread_count =
      f.count > 0 ? static_cast<std::uint64_t>((f.count + f.threads - 1) / f.threads)
                  : ~std::uint64_t{0};
  std::vector<std::unique_ptr<LoadThread>> workers;
  for (int i = 0; i < f.threads; ++i) {
    Result<io::UdpSocket> s = io::UdpSocket::connect(*target, uo);
    if (!s.ok()) {
      std::fprintf(stderr, "kairos loadgen: %s\n", s.status().message().c_str());
      return 1;
    }
    workers.push_back(
        std::make_unique<LoadThread>(f, std::move(*s), f.rate / f.threads, per_thread_count));
  }
  const MonoTime start = clock.monotonic();
  const MonoTime stop_sending = start + from_seconds(f.duration_s);
  std::vector<std::thread> threads;
  for (auto& w : workers) {
    threads.emplace_back([&clock, &w, start, stop_sending] { w->run(clock, start, stop_sending); });
  }
  for (std::thread& t : threads) t.join();

  ThreadResult total;
  for (const auto& w : workers) {
    total.sent += w->result.sent;
    total.replies += w->result.replies;
    total.invalid += w->result.invalid;
    total.bad_header += w->result.bad_header;
    total.unexpected += w->result.unexpected;
    total.bad_time += w->result.bad_time;
    total.kod += w->result.kod;
    total.send_errors += w->result.send_errors;
    total.latency.merge(w->result.latency);
  }
  const std::uint64_t answered = total.replies + total.kod;
  const std::uint64_t lost = total.sent > answered ? total.sent - answered : 0;
  const double loss = total.sent ? static_cast<double>(lost) / static_cast<double>(total.sent) : 0;
  const double rps = static_cast<double>(total.replies) / f.duration_s;
  const Duration p50 = total.latency.quantile(0.50);
  const Duration p99 = total.latency.quantile(0.99);
  // Over every request sent: a request with no valid reply counts as the slowest, so a
  // server that drops its queue under load cannot look faster than one that serves it.
  const std::optional<Duration> p99_sent = total.latency.quantile_of_attempts(0.99, total.sent);
  if (f.json) {
    nlohmann::json j = {{"target", target->to_string()},
                        {"duration_s", f.duration_s},
                        {"threads", f.threads},
                        {"offered_rate", f.rate},
                        {"sent", total.sent},
                        {"replies", total.replies},
                        {"invalid", total.invalid},
                        {"invalid_header", total.bad_header},
                        {"invalid_unexpected", total.unexpected},
                        {"invalid_time", total.bad_time},
                        {"kod", total.kod},
                        {"lost", lost},
                        {"send_errors", total.send_errors},
                        {"loss_ratio", loss},
                        {"replies_per_second", rps},
                        {"latency_p50_ns", p50.count()},
                        {"latency_p99_ns", p99.count()},
                        {"latency_p99_of_sent_ns",
                         p99_sent ? nlohmann::json(p99_sent->count()) : nlohmann::json(nullptr)},
                        {"latency_max_ns", total.latency.max().count()}};
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::printf("target %s, %d threads, %.1f s, offered %s\n", target->to_string().c_str(),
                f.threads, f.duration_s,
                f.rate > 0 ? (std::to_string(static_cast<long>(f.rate)) + "/s").c_str()
                           : ("max (window " + std::to_string(f.window) + ")").c_str());
    std::printf(
        "sent %llu, replies %llu (%.0f/s), lost %llu (%.3f%%), invalid %llu, kod %llu\n",
        static_cast<unsigned long long>(total.sent), static_cast<unsigned long long>(total.replies),
        rps, static_cast<unsigned long long>(lost), loss * 100,
        static_cast<unsigned long long>(total.invalid), static_cast<unsigned long long>(total.kod));
    if (total.invalid > 0) {
      std::printf("invalid: %llu bad header, %llu answering no outstanding request, %llu bad time\n",
                  static_cast<unsigned long long>(total.bad_header),
                  static_cast<unsigned long long>(total.unexpected),
                  static_cast<unsigned long long>(total.bad_time));
    }
    std::printf("latency p50 %s, p99 %s, max %s; p99 of all sent %s\n", format_duration(p50).c_str(),
                format_duration(p99).c_str(), format_duration(total.latency.max()).c_str(),
                p99_sent ? format_duration(*p99_sent).c_str() : "none (over 1% got no valid reply)");
  }
  return total.invalid == 0 ? 0 : 1;
}

}  // namespace

void add_loadgen_command(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<LoadgenFlags>();
  CLI::App* cmd = app.add_subcommand(
      "loadgen",
      "Load an NTP server with client requests (batched UDP) and report replies/s, loss,\n"
      "invalid replies and request->reply latency p50/p99. Exit 1 if any reply was invalid.\n"
      "Only point it at servers you run: it sends as fast as it can.");
  cmd->add_option("target", f->target, "HOST:PORT of the server (port defaults to 123)")
      ->required();
  cmd->add_option("-d,--duration", f->duration_s, "Seconds to send for (0.1..600, default 5)")
      ->check(finite_range(0.1, 600.0));
  cmd->add_option("-t,--threads", f->threads, "Sending threads, one socket each (1..64, default 1)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("-r,--rate", f->rate,
                  "Total requests per second, paced; 0 (default) = as fast as the window allows")
      ->check(finite_range(0.0, 1e8));
  cmd->add_option("--count", f->count, "Stop after this many requests in all (0 = no limit)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1} << 40));
  cmd->add_option("--window", f->window,
                  "Outstanding requests per thread in max mode (1..32768, default 256)")
      ->check(CLI::Range(1, 32768));
  cmd->add_option("--batch", f->batch, "Requests per send: one UDP GSO send or sendmmsg (1..1024, default 32)")
      ->check(CLI::Range(1, 1024));
  cmd->add_flag("!--no-gso", f->gso,
                "Send datagram by datagram (sendmmsg) instead of one UDP GSO train per batch");
  cmd->add_flag("--json", f->json,
                "Print one JSON object: sent, replies, lost, invalid, kod, replies_per_second,\n"
                "latency_p50_ns, latency_p99_ns (of the replies), latency_p99_of_sent_ns\n"
                "(of every request, unanswered ones counting as slowest; null if that is\n"
                "one of them), ...");
  cmd->callback([f, &exit_code] { exit_code = run_loadgen(*f); });
}

}  // namespace kairos::cli
