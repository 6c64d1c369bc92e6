// kairos: time and order for distributed systems. One binary, several subcommands.
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "kairos/version.h"

int main(int argc, char** argv) {
  CLI::App app{
      "kairos: time and order for distributed systems.\n"
      "A time service that speaks NTPv4 and keeps a disciplined virtual clock, bounded time\n"
      "for every process, and order without clocks (logical clocks, timestamp oracle).",
      "kairos"};
  app.set_version_flag("-V,--version", std::string("kairos ") + std::string(kairos::kVersion));
  app.require_subcommand(1);
  app.footer("Run 'kairos SUBCOMMAND --help' for a subcommand's flags. Docs: docs/README.md");

  int exit_code = 0;
  kairos::cli::add_serve_command(app, exit_code);
  kairos::cli::add_status_command(app, exit_code);
  kairos::cli::add_wait_sync_command(app, exit_code);
  kairos::cli::add_query_command(app, exit_code);
  kairos::cli::add_loadgen_command(app, exit_code);
  kairos::cli::add_now_command(app, exit_code);
  kairos::cli::add_sim_command(app, exit_code);
  kairos::cli::add_plan_command(app, exit_code);
  kairos::cli::add_seq_command(app, exit_code);
  kairos::cli::add_tso_command(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0. Every usage error (unknown flag, a value that does not
    // convert, a missing subcommand) exits 2, as the subcommands' own checks of flag
    // values do, not with CLI11's per-error codes (104, 109, ...).
    return app.exit(e) == 0 ? 0 : 2;
  }
  return exit_code;
}
