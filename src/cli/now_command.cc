// `kairos now`: bounded time from the daemon's shared-memory segment.
#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "kairos/bounded_clock.h"
#include "kairos/time.h"

namespace kairos::cli {
namespace {

struct NowFlags {
  std::string shm_name = BoundedClock::kDefaultName;
  bool json = false;
};

void print(const TimeInterval& i, bool json) {
  if (json) {
    nlohmann::json j = {{"earliest_ns", i.earliest_ns},
                        {"latest_ns", i.latest_ns},
                        {"midpoint_ns", i.midpoint_ns()},
                        {"error_bound_ns", i.error_bound_ns()},
                        {"status", bounded_status_name(i.status)},
                        {"leap", i.leap}};
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return;
  }
  const auto utc = [](std::int64_t ns) { return format_unix_time(UnixTime(nanoseconds(ns))); };
  std::printf("earliest_ns     %lld  %s\n", static_cast<long long>(i.earliest_ns),
              utc(i.earliest_ns).c_str());
  std::printf("latest_ns       %lld  %s\n", static_cast<long long>(i.latest_ns),
              utc(i.latest_ns).c_str());
  std::printf("midpoint_ns     %lld  %s\n", static_cast<long long>(i.midpoint_ns()),
              utc(i.midpoint_ns()).c_str());
  std::printf("error_bound_ns  %lld  (%s)\n", static_cast<long long>(i.error_bound_ns()),
              format_duration(nanoseconds(i.error_bound_ns())).c_str());
  std::printf("status          %s\n", bounded_status_name(i.status));
}

int run_now(const NowFlags& flags) {
  BoundedClock clock;
  if (const BoundedError e = clock.open(flags.shm_name); e != BoundedError::kOk) {
    std::fprintf(stderr, "kairos now: %s\n", clock.message().c_str());
    return e == BoundedError::kInvalidArgument ? 2 : 1;  // a bad --shm-name is a bad flag
  }
  TimeInterval i;
  const BoundedError e = clock.now(i);
  switch (e) {
    case BoundedError::kOk:
      print(i, flags.json);
      return 0;
    case BoundedError::kStale:
      print(i, flags.json);
      std::fprintf(stderr,
                   "kairos now: %s: the daemon has not updated it for longer than %s; the "
                   "interval above kept widening from its last record\n",
                   clock.name().c_str(), format_duration(nanoseconds(clock.stale_after_ns())).c_str());
      return 1;
    case BoundedError::kUnsynchronized:
      print(i, flags.json);
      std::fprintf(stderr, "kairos now: %s: the daemon is not synchronized\n",
                   clock.name().c_str());
      return 1;
    default:
      std::fprintf(stderr, "kairos now: %s: %s\n", clock.name().c_str(), bounded_error_name(e));
      return 1;
  }
}

}  // namespace

void add_now_command(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<NowFlags>();
  CLI::App* cmd = app.add_subcommand(
      "now",
      "Print bounded time [earliest, latest] (ns since the Unix epoch) from the daemon's\n"
      "shared-memory segment, with midpoint, error bound and status. Exit status 1 when\n"
      "the segment is missing or unreadable, or the reading is stale or unsynchronized;\n"
      "2 on bad flags.");
  cmd->add_option("--shm-name", flags->shm_name,
                  "Shared-memory name the daemon publishes at (its --shm-name; default /kairos)");
  cmd->add_flag("--json", flags->json,
                "One JSON object: earliest_ns, latest_ns, midpoint_ns, error_bound_ns, status, leap");
  cmd->callback([flags, &exit_code] { exit_code = run_now(*flags); });
}

}  // namespace kairos::cli
