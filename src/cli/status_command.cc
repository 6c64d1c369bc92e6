// `kairos status`: the local daemon's clock and sources, like `chronyc tracking` and
// `chronyc sources` together.
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/http_get.h"
#include "kairos/host_port.h"
#include "kairos/time.h"

namespace kairos::cli {
namespace {

struct StatusFlags {
  std::string http = "127.0.0.1:11180";
  bool json = false;
  std::string timeout = "2s";
};

std::string ns_text(const nlohmann::json& v) { return format_duration(Duration(v.get<std::int64_t>())); }

std::uint64_t count(const nlohmann::json& j, const char* key) { return j.at(key).get<std::uint64_t>(); }

// The responder's counters, like `chronyc serverstats`.
void print_ntp_server(const nlohmann::json& n) {
  if (!n.is_object()) {
    std::printf("\nNTP server      : off\n");
    return;
  }
  std::uint64_t dropped = 0;
  std::string reasons;
  for (const auto& [reason, v] : n.at("dropped").items()) {
    dropped += v.get<std::uint64_t>();
    if (v.get<std::uint64_t>() > 0) reasons += (reasons.empty() ? "" : ", ") + reason + " " + v.dump();
  }
  std::printf("\nNTP server      : %s\n", n.at("listen").get<std::string>().c_str());
  std::printf("Requests        : %llu received, %llu replied (%llu KoD), %llu rate-limited\n",
              static_cast<unsigned long long>(count(n, "received")),
              static_cast<unsigned long long>(count(n, "replied")),
              static_cast<unsigned long long>(count(n, "kod_sent")),
              static_cast<unsigned long long>(count(n, "rate_limited")));
  std::printf("Dropped         : %llu%s%s%s, %llu send errors\n",
              static_cast<unsigned long long>(dropped), reasons.empty() ? "" : " (",
              reasons.c_str(), reasons.empty() ? "" : ")",
              static_cast<unsigned long long>(count(n, "send_errors")));
}

void print_human(const nlohmann::json& j) {
  std::printf("Status          : %s%s\n", j.at("status").get<std::string>().c_str(),
              j.at("ready").get<bool>() ? "" : " (not ready)");
  std::printf("Reference       : %s (stratum %d)\n", j.at("reference").get<std::string>().c_str(),
              j.at("stratum").get<int>());
  std::printf("Offset          : %s (virtual clock - system clock)\n", ns_text(j.at("offset_ns")).c_str());
  std::printf("Error bound     : %s\n", ns_text(j.at("error_bound_ns")).c_str());
  std::printf("Frequency       : %+.3f ppm\n", j.at("frequency_ppm").get<double>());
  std::printf("Root delay      : %s\n", ns_text(j.at("root_delay_ns")).c_str());
  std::printf("Root dispersion : %s\n", ns_text(j.at("root_dispersion_ns")).c_str());
  std::printf("Poll interval   : %llds\n", j.at("poll_s").get<long long>());
  const auto& sources = j.at("sources");
  std::printf("\n%-12s %-28s %2s %12s %12s %12s %5s\n", "State", "Address", "St", "Offset",
              "Delay", "Jitter", "Reach");
  for (const auto& s : sources) {
    std::printf("%-12s %-28s %2d %12s %12s %12s %5o\n", s.at("state").get<std::string>().c_str(),
                s.at("address").get<std::string>().c_str(), s.at("stratum").get<int>(),
                ns_text(s.at("offset_ns")).c_str(), ns_text(s.at("delay_ns")).c_str(),
                ns_text(s.at("jitter_ns")).c_str(), s.at("reach").get<int>());
  }
  if (sources.empty()) std::printf("(no upstream sources)\n");
  print_ntp_server(j.value("ntp_server", nlohmann::json()));
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
  const nlohmann::json j = nlohmann::json::parse(reply->body, nullptr, false);
  if (reply->status != 200 || j.is_discarded() || !j.contains("sources")) {
    std::fprintf(stderr, "kairos status: unexpected reply from %s (HTTP %d)\n",
                 server->to_string().c_str(), reply->status);
    return 1;
  }
  if (flags.json) {
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    print_human(j);
  }
  return 0;
}

}  // namespace

void add_status_command(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<StatusFlags>();
  CLI::App* cmd = app.add_subcommand(
      "status", "Show the local daemon's clock and upstream sources (like chronyc tracking +\n"
                "sources). Exit status 1 if the daemon cannot be reached.");
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
