// `kairos seq next`: reserve numbers of a named sequence from a kairos sequencer.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/tso_client_flags.h"

namespace kairos::cli {
namespace {

struct SeqNextFlags {
  TsoClientFlags client;
  std::string name = "default";
  std::uint64_t count = 1;
  bool json = false;
};

int run_seq_next(const SeqNextFlags& flags) {
  Result<TsoClientOptions> options = flags.client.options();
  if (!options.ok()) {
    std::fprintf(stderr, "kairos seq next: %s\n", options.status().message().c_str());
    return 2;
  }
  Result<std::unique_ptr<TsoClient>> client = TsoClient::connect(*options);
  if (!client.ok()) {
    std::fprintf(stderr, "kairos seq next: %s\n", client.status().message().c_str());
    return 2;
  }
  Result<SequenceRange> range = (*client)->next_sequence(flags.name, flags.count);
  if (!range.ok()) {
    std::fprintf(stderr, "kairos seq next: %s\n", range.status().ToString().c_str());
    return 1;
  }
  if (flags.json) {
    nlohmann::json j = {{"name", flags.name}, {"first", range->first}, {"count", range->count}};
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  for (std::uint64_t i = 0; i < range->count; ++i) {
    std::printf("%llu\n", static_cast<unsigned long long>(range->first + i));
  }
  return 0;
}

}  // namespace

void add_seq_command(CLI::App& app, int& exit_code) {
  CLI::App* seq = app.add_subcommand("seq", "Sequencer client: named sequences (docs/tso.md)");
  seq->require_subcommand(1);
  auto flags = std::make_shared<SeqNextFlags>();
  CLI::App* next = seq->add_subcommand(
      "next",
      "Reserve consecutive numbers of a named sequence (created on first use, starts at 1);\n"
      "prints one per line. Numbers are unique and increasing, not gapless.");
  flags->client.add_to(next);
  next->add_option("--name", flags->name,
                   "Sequence name: 1..64 of [A-Za-z0-9_.-], starting with a letter or digit. "
                   "Default: default");
  next->add_option("--count", flags->count,
                   "How many consecutive numbers (server limit, default 1000000). Default: 1");
  next->add_flag("--json", flags->json, "Print one JSON object {name, first, count}");
  next->callback([flags, &exit_code] { exit_code = run_seq_next(*flags); });
}

}  // namespace kairos::cli
