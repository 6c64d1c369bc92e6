// `kairos query HOST[:PORT]`: ask an NTP server for the time, like `ntpdate -q` / `sntp`.
// Sends --samples client requests one after another, validates each reply, and reports
// the sample with the smallest delay (offset = server − this host's clock).
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "io/datagram_batch.h"
#include "io/socket_address.h"
#include "io/udp_socket.h"
#include "kairos/clock.h"
#include "kairos/ntp/kiss_code.h"
#include "kairos/ntp/on_wire.h"
#include "kairos/ntp/packet.h"

namespace kairos::cli {
namespace {

struct QueryFlags {
  std::string server;
  int samples = 4;
  bool json = false;
  std::string timeout = "1s";
  std::string interval = "200ms";
};

const char* leap_name(ntp::LeapIndicator l) {
  switch (l) {
    case ntp::LeapIndicator::kNoWarning:
      return "none";
    case ntp::LeapIndicator::kLastMinute61:
      return "insert";
    case ntp::LeapIndicator::kLastMinute59:
      return "delete";
    case ntp::LeapIndicator::kAlarm:
      return "unsynchronized";
  }
  return "?";
}

// One request/reply exchange: the sample, or why there is none.
Result<ntp::OnWireSample> exchange(const io::UdpSocket& sock, io::ReceiveBatch& rx,
                                   const Clock& clock, Duration timeout) {
  std::uint8_t request[ntp::kHeaderSize];
  ntp::NtpPacket p;
  p.version = 4;
  p.mode = ntp::Mode::kClient;
  const NtpTimestamp t1 = NtpTimestamp::from_unix(clock.realtime());
  p.transmit_time = t1;
  ntp::encode_header(p, request);
  if (send(sock.fd(), request, sizeof request, 0) != static_cast<ssize_t>(sizeof request)) {
    return Status::Unavailable(std::string("send: ") + std::strerror(errno));
  }
  const MonoTime deadline = clock.monotonic() + timeout;
  Status last = Status::DeadlineExceeded("no reply within " + format_duration(timeout));
  while (clock.monotonic() < deadline) {
    Result<std::size_t> n = rx.receive(sock);
    if (!n.ok()) return n.status();
    for (std::size_t i = 0; i < *n; ++i) {
      const std::optional<UnixTime> k = rx.kernel_rx_time(i);
      const NtpTimestamp t4 =
          NtpTimestamp::from_unix(k ? clock.from_system_realtime(*k) : clock.realtime());
      Result<ntp::NtpPacket> h = ntp::decode_header(rx.data(i));
      if (h.ok() && h->origin_time != t1) continue;  // a stale reply to an earlier request
      Result<ntp::OnWireSample> s = ntp::evaluate_reply(rx.data(i), t1, t4);
      if (s.ok()) return s;
      // A KoD or unsynchronized server is an answer: report it at once.
      if (s.status().code() == StatusCode::kFailedPrecondition) return s;
      last = s.status();
    }
  }
  return last;
}

int run_query(const QueryFlags& f) {
  Result<Duration> timeout = parse_duration(f.timeout);
  Result<Duration> interval = parse_duration(f.interval);
  if (!timeout.ok() || *timeout <= Duration(0)) {
    std::fprintf(stderr, "kairos query: --timeout: %s\n",
                 timeout.ok() ? "must be positive" : timeout.status().message().c_str());
    return 2;
  }
  if (!interval.ok() || *interval < Duration(0)) {
    std::fprintf(stderr, "kairos query: --interval: %s\n",
                 interval.ok() ? "must not be negative" : interval.status().message().c_str());
    return 2;
  }
  Result<io::SocketAddress> server = io::SocketAddress::resolve(f.server, ntp::kDefaultPort);
  if (!server.ok()) {
    std::fprintf(stderr, "kairos query: %s\n", server.status().message().c_str());
    return 2;
  }
  io::UdpOptions uo;
  uo.rx_timestamps = true;
  uo.receive_timeout = milliseconds(20);
  Result<io::UdpSocket> sock = io::UdpSocket::connect(*server, uo);
  if (!sock.ok()) {
    std::fprintf(stderr, "kairos query: %s\n", sock.status().message().c_str());
    return 1;
  }
  const Clock& clock = SystemClock::instance();
  io::ReceiveBatch rx(4, 2048);
  std::optional<ntp::OnWireSample> best;
  Status last_error;
  for (int i = 0; i < f.samples; ++i) {
    if (i > 0) clock.sleep_until(clock.monotonic() + *interval);
    Result<ntp::OnWireSample> s = exchange(*sock, rx, clock, *timeout);
    if (!s.ok()) {
      last_error = s.status();
      // A Kiss-o'-Death or an unsynchronized server ends the query: no sample is usable.
      if (s.status().code() == StatusCode::kFailedPrecondition) {
        best.reset();
        break;
      }
      continue;
    }
    if (!best || s->delay < best->delay) best = *s;
  }
  if (!best) {
    std::fprintf(stderr, "kairos query: %s: %s\n", server->to_string().c_str(),
                 last_error.message().c_str());
    return 1;
  }
  const ntp::NtpPacket& r = best->reply;
  const std::string refid = ntp::refid_to_string(r.reference_id, r.stratum);
  if (f.json) {
    nlohmann::json j = {{"server", server->to_string()},
                        {"offset_ns", best->offset.count()},
                        {"delay_ns", best->delay.count()},
                        {"stratum", r.stratum},
                        {"refid", refid},
                        {"leap", static_cast<int>(r.leap)},
                        {"root_delay_ns", r.root_delay.to_duration().count()},
                        {"root_dispersion_ns", r.root_dispersion.to_duration().count()},
                        {"version", r.version}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("server %s, stratum %u, refid %s, leap %s\n", server->to_string().c_str(),
                r.stratum, refid.c_str(), leap_name(r.leap));
    std::printf("offset %+.9f s, delay %.9f s, root delay %.6f s, root dispersion %.6f s\n",
                to_seconds(best->offset), to_seconds(best->delay),
                to_seconds(r.root_delay.to_duration()),
                to_seconds(r.root_dispersion.to_duration()));
  }
  return 0;
}

}  // namespace

void add_query_command(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<QueryFlags>();
  CLI::App* cmd = app.add_subcommand(
      "query",
      "Ask an NTP server for the time (like ntpdate -q / sntp) and print offset, delay,\n"
      "stratum, refid, leap, root delay and root dispersion of the best sample (least delay).\n"
      "Offset is server minus this host's clock. Exit 1 on timeout, Kiss-o'-Death or bad\n"
      "replies, 2 on bad arguments.");
  cmd->add_option("server", f->server, "HOST[:PORT] or [V6ADDR]:PORT; port defaults to 123")
      ->required();
  cmd->add_option("-n,--samples", f->samples, "Requests to send, one after another (1..64)")
      ->check(CLI::Range(1, 64));
  cmd->add_flag("--json", f->json,
                "Print one JSON object: offset_ns, delay_ns, stratum, refid, leap, root_delay_ns,\n"
                "root_dispersion_ns, server");
  cmd->add_option("--timeout", f->timeout, "How long to wait for each reply (default 1s)");
  cmd->add_option("--interval", f->interval, "Pause between requests (default 200ms)");
  cmd->callback([f, &exit_code] { exit_code = run_query(*f); });
}

}  // namespace kairos::cli
