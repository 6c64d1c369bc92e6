// `kairos tso get`: draw hybrid timestamps from a kairos timestamp oracle.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/tso_client_flags.h"
#include "kairos/hybrid_timestamp.h"

namespace kairos::cli {
namespace {

struct TsoGetFlags {
  TsoClientFlags client;
  std::uint32_t count = 1;
  bool json = false;
};

int run_tso_get(const TsoGetFlags& flags) {
  Result<TsoClientOptions> options = flags.client.options();
  if (!options.ok()) {
    std::fprintf(stderr, "kairos tso get: %s\n", options.status().message().c_str());
    return 2;
  }
  Result<std::unique_ptr<TsoClient>> client = TsoClient::connect(*options);
  if (!client.ok()) {
    std::fprintf(stderr, "kairos tso get: %s\n", client.status().message().c_str());
    return 2;
  }
  Result<TimestampRange> range = (*client)->get_timestamps(flags.count);
  if (!range.ok()) {
    std::fprintf(stderr, "kairos tso get: %s\n", range.status().ToString().c_str());
    return 1;
  }
  if (flags.json) {
    nlohmann::json j = {{"first", range->first},
                        {"count", range->count},
                        {"physical_ms", hybrid_physical_ms(range->first)},
                        {"logical", hybrid_logical(range->first)},
                        {"physical_time", format_unix_time(hybrid_physical_time(range->first))}};
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  for (std::uint32_t i = 0; i < range->count; ++i) {
    std::printf("%llu\n", static_cast<unsigned long long>(range->first + i));
  }
  return 0;
}

}  // namespace

void add_tso_command(CLI::App& app, int& exit_code) {
  CLI::App* tso = app.add_subcommand("tso", "Timestamp oracle client (docs/tso.md)");
  tso->require_subcommand(1);
  auto flags = std::make_shared<TsoGetFlags>();
  CLI::App* get = tso->add_subcommand(
      "get",
      "Draw hybrid timestamps (physical ms << 18 | logical), strictly increasing across all\n"
      "clients; prints one per line.");
  flags->client.add_to(get);
  get->add_option("--count", flags->count,
                  "How many consecutive timestamps to draw (server limit, default 262144). "
                  "Default: 1");
  get->add_flag("--json", flags->json,
                "Print one JSON object {first, count, physical_ms, logical, physical_time}");
  get->callback([flags, &exit_code] { exit_code = run_tso_get(*flags); });
}

}  // namespace kairos::cli
