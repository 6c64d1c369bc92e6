// `kairos query HOST[:PORT]`: ask an NTP server for the time, like `ntpdate -q` / `sntp`.
// Sends --samples client requests one after another, validates each reply, and reports
// the sample with the smallest delay (offset = server − this host's clock).
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "io/socket_address.h"
#include "kairos/clock.h"
#include "kairos/ntp/kiss_code.h"
#include "kairos/ntp/packet.h"
#include "sources/ntp_source.h"
#include "sync/sample.h"

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
  if (!server.ok() || server->port() == 0) {
    std::fprintf(stderr, "kairos query: %s\n",
                 server.ok() ? ("'" + f.server + "': port 0 is no server's port").c_str()
                             : server.status().message().c_str());
    return 2;
  }
  // The daemon's own NTP client, so a query measures what `kairos serve` would: kernel
  // transmit and receive timestamps, an unconnected socket, replies only from the server.
  const Clock& clock = SystemClock::instance();
  sources::NtpSourceDriver driver(*server, server->to_string(), clock, *timeout);
  std::optional<sync::Sample> best;
  ntp::NtpPacket best_reply;
  Status last_error;
  for (int i = 0; i < f.samples; ++i) {
    if (i > 0) clock.sleep_until(clock.monotonic() + *interval);
    Result<sync::Sample> s = driver.exchange(sync::SampleParams{});
    if (!s.ok()) {
      last_error = s.status();
      // A Kiss-o'-Death or an unsynchronized server ends the query: no sample is usable.
      if (s.status().code() == StatusCode::kFailedPrecondition) {
        best.reset();
        break;
      }
      continue;
    }
    if (!best || s->delay < best->delay) {
      best = *s;
      best_reply = driver.last_reply();
    }
  }
  if (!best) {
    std::fprintf(stderr, "kairos query: %s: %s\n", server->to_string().c_str(),
                 last_error.message().c_str());
    return 1;
  }
  const ntp::NtpPacket& r = best_reply;
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
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
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
      "Offset is server minus this host's clock. Exit 1 on timeout, a refused port,\n"
      "Kiss-o'-Death or bad replies, 2 on bad arguments.");
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
