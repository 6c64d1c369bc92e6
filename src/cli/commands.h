// The `kairos` subcommands. Each add_*_command registers one subcommand, its flags and
// its --help on `app`; when it runs, it stores the process exit status in `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

namespace kairos::cli {

void add_serve_command(CLI::App& app, int& exit_code);
void add_status_command(CLI::App& app, int& exit_code);
void add_wait_sync_command(CLI::App& app, int& exit_code);
void add_query_command(CLI::App& app, int& exit_code);
void add_loadgen_command(CLI::App& app, int& exit_code);
void add_now_command(CLI::App& app, int& exit_code);
void add_sim_command(CLI::App& app, int& exit_code);
void add_plan_command(CLI::App& app, int& exit_code);
void add_seq_command(CLI::App& app, int& exit_code);
void add_tso_command(CLI::App& app, int& exit_code);

}  // namespace kairos::cli
