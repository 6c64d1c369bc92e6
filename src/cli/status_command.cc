// `kairos status`: the local daemon's clock and sources, like `chronyc tracking` and
// `chronyc sources` together.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "cli/http_get.h"
#include "daemon/status_reply.h"
#include "kairos/host_port.h"
#include "kairos/time.h"

namespace kairos::cli {
namespace {

struct StatusFlags {
  std::string http = "127.0.0.1:11180";
  bool json = false;
  std::string timeout = "2s";
};

std::string ns_text(Duration d) { return format_duration(d); }

// The responder's counters, like `chronyc serverstats`.
void print_ntp_server(const std::optional<daemon::NtpServerReply>& n) {
  if (!n) {
    std::printf("\nNTP server      : off\n");
    return;
  }
  std::uint64_t dropped = 0;
  std::string reasons;
  for (const auto& [reason, v] : n->dropped) {
    dropped += v;
    if (v > 0) reasons += (reasons.empty() ? "" : ", ") + reason + " " + std::to_string(v);
  }
  std::printf("\nNTP server      : %s\n", n->listen.c_str());
  std::printf("Requests        : %llu received, %llu replied (%llu KoD), %llu rate-limited\n",
              static_cast<unsigned long long>(n->received),
              static_cast<unsigned long long>(n->replied),
              static_cast<unsigned long long>(n->kod_sent),
              static_cast<unsigned long long>(n->rate_limited));
  std::printf("Dropped         : %llu%s%s%s, %llu send errors\n",
              static_cast<unsigned long long>(dropped), reasons.empty() ? "" : " (",
              reasons.c_str(), reasons.empty() ? "" : ")",
              static_cast<unsigned long long>(n->send_errors));
}

void print_human(const daemon::StatusReply& r) {
  std::printf("Status          : %s%s\n", r.status.c_str(), r.ready ? "" : " (not ready)");
  std::printf("Reference       : %s (stratum %d)\n", r.reference.c_str(), r.stratum);
  std::printf("Offset          : %s (virtual clock - system clock)\n", ns_text(r.offset).c_str());
  std::printf("Error bound     : %s\n", ns_text(r.error_bound).c_str());
  std::printf("Frequency       : %+.3f ppm\n", r.frequency_ppm);
  std::printf("Root delay      : %s\n", ns_text(r.root_delay).c_str());
  std::printf("Root dispersion : %s\n", ns_text(r.root_dispersion).c_str());
  std::printf("Poll interval   : %llds\n", static_cast<long long>(r.poll_s));
  std::printf("\n%-12s %-28s %2s %12s %12s %12s %5s\n", "State", "Address", "St", "Offset", "Delay",
              "Jitter", "Reach");
  for (const daemon::SourceReport& s : r.sources) {
    std::printf("%-12s %-28s %2d %12s %12s %12s %5o\n", s.state.c_str(), s.address.c_str(),
                s.stratum, ns_text(s.offset).c_str(), ns_text(s.delay).c_str(),
                ns_text(s.jitter).c_str(), s.reach);
  }
  if (r.sources.empty()) std::printf("(no upstream sources)\n");
  print_ntp_server(r.ntp_server);
}

int run_status(const StatusFlags& flags) {
  Result<HostPort> server = parse_host_port(flags.http, 11180);
  Result<Duration> timeout = parse_duration(flags.timeout);
  if (!server.ok() || !timeout.ok()) {
    std::fprintf(stderr, "kairos status: %s\n",
                 (!server.ok() ? server.status() : timeout.status()).message().c_str());
    return 2;
  }
  Result<HttpReply> reply = http_get(*server, "/status", *timeout);
  if (!reply.ok()) {
    std::fprintf(stderr, "kairos status: %s\n", reply.status().message().c_str());
    return 1;
  }
  if (reply->status != 200) {
    std::fprintf(stderr, "kairos status: %s answered HTTP %d\n", server->to_string().c_str(),
                 reply->status);
    return 1;
  }
  Result<daemon::StatusReply> status = daemon::parse_status_reply(reply->body);
  if (!status.ok()) {
    std::fprintf(stderr, "kairos status: %s: %s\n", server->to_string().c_str(),
                 status.status().message().c_str());
    return 1;
  }
  if (flags.json) {
    std::printf("%s\n", nlohmann::json::parse(reply->body).dump(2).c_str());
  } else {
    print_human(*status);
  }
  return 0;
}

}  // namespace

void add_status_command(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<StatusFlags>();
  CLI::App* cmd = app.add_subcommand(
      "status",
      "Show the local daemon's clock and upstream sources (like chronyc tracking +\n"
      "sources). Exit status 1 if the daemon cannot be reached or its reply is not\n"
      "as docs/status-api.md says.");
  cmd->add_option("--http", flags->http, "The daemon's status endpoint ADDR:PORT")
      ->capture_default_str();
  cmd->add_flag("--json", flags->json,
                "Print the daemon's JSON (synchronized, offset_ns, error_bound_ns, frequency_ppm,\n"
                "stratum, reference, poll_s, sources[], ntp_server; see docs/status-api.md)");
  cmd->add_option("--timeout", flags->timeout, "How long to wait for the daemon")
      ->capture_default_str();
  cmd->callback([flags, &exit_code] { exit_code = run_status(*flags); });
}

}  // namespace kairos::cli
