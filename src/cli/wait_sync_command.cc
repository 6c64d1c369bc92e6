// `kairos wait-sync`: block until the local daemon is synchronized (within a bound), for
// scripts that must not start before time is good (like `chronyc waitsync`).
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "cli/http_get.h"
#include "daemon/status_reply.h"
#include "kairos/clock.h"
#include "kairos/host_port.h"

namespace kairos::cli {
namespace {

struct WaitSyncFlags {
  std::string http = "127.0.0.1:11180";
  std::string max_error;  // empty: any bound
  std::string timeout = "60s";
  std::string interval = "200ms";
};

// One look at the daemon: empty when synced within the bound, else why not.
std::string not_synced_reason(const HostPort& server, std::optional<Duration> max_error) {
  Result<HttpReply> reply = http_get(server, "/status", std::chrono::seconds(2));
  if (!reply.ok()) return reply.status().message();
  if (reply->status != 200) return "the daemon answered HTTP " + std::to_string(reply->status);
  Result<daemon::StatusReply> status = daemon::parse_status_reply(reply->body);
  if (!status.ok()) return status.status().message();
  if (!status->synchronized) return "not synchronized (" + status->status + ")";
  const Duration bound = status->error_bound;
  if (max_error && bound > *max_error) {
    return "error bound " + format_duration(bound) + " > " + format_duration(*max_error);
  }
  return "";
}

int run_wait_sync(const WaitSyncFlags& flags) {
  Result<HostPort> server = parse_host_port(flags.http, 11180);
  Result<Duration> timeout = parse_duration(flags.timeout);
  Result<Duration> interval = parse_duration(flags.interval);
  std::optional<Duration> max_error;
  Status bad = !server.ok() ? server.status() : !timeout.ok() ? timeout.status()
               : !interval.ok() ? interval.status() : Status::Ok();
  if (bad.ok() && !flags.max_error.empty()) {
    Result<Duration> m = parse_duration(flags.max_error);
    if (m.ok()) max_error = *m;
    else bad = m.status();
  }
  if (!bad.ok()) {
    std::fprintf(stderr, "kairos wait-sync: %s\n", bad.message().c_str());
    return 2;
  }
  const Clock& clock = SystemClock::instance();
  const MonoTime deadline = clock.monotonic() + *timeout;
  std::string reason;
  while (true) {
    reason = not_synced_reason(*server, max_error);
    if (reason.empty()) {
      std::printf("synchronized\n");
      return 0;
    }
    const MonoTime next = clock.monotonic() + *interval;
    if (next > deadline) break;
    clock.sleep_until(next);
  }
  std::fprintf(stderr, "kairos wait-sync: timed out after %s: %s\n",
               format_duration(*timeout).c_str(), reason.c_str());
  return 1;
}

}  // namespace

void add_wait_sync_command(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<WaitSyncFlags>();
  CLI::App* cmd = app.add_subcommand(
      "wait-sync",
      "Wait until the local daemon is synchronized (and its error bound within --max-error).\n"
      "Exit status: 0 synchronized, 1 timed out (the reason is printed), 2 bad flags.");
  cmd->add_option("--http", flags->http, "The daemon's status endpoint ADDR:PORT")
      ->capture_default_str();
  cmd->add_option("--max-error", flags->max_error,
                  "Largest acceptable error bound, e.g. 1ms (default: any, once synchronized)");
  cmd->add_option("--timeout", flags->timeout, "Give up after this long")->capture_default_str();
  cmd->add_option("--interval", flags->interval, "How often to ask the daemon")
      ->capture_default_str();
  cmd->callback([flags, &exit_code] { exit_code = run_wait_sync(*flags); });
}

}  // namespace kairos::cli
