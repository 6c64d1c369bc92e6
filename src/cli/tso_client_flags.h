// Flags shared by the subcommands that talk to a kairos TSO (`kairos seq`, `kairos tso`):
// --grpc (one or more comma-separated HOST:PORT or unix:PATH) and --timeout.
#pragma once

#include <CLI/CLI.hpp>
#include <sstream>
#include <string>

#include "kairos/time.h"
#include "kairos/tso_client.h"

namespace kairos::cli {

struct TsoClientFlags {
  std::string grpc = "127.0.0.1:11190";
  std::string timeout = "5s";

  void add_to(CLI::App* cmd) {
    cmd->add_option("--grpc", grpc,
                    "HOST:PORT of the kairos gRPC API, or unix:PATH for a Unix socket; several\n"
                    "comma-separated for a cluster (the client finds the leader).\n"
                    "Default: 127.0.0.1:11190");
    cmd->add_option("--timeout", timeout,
                    "How long to keep trying (retries and failover included), e.g. 2s. "
                    "Default: 5s");
  }

  Result<TsoClientOptions> options() const {
    TsoClientOptions o;
    o.endpoints.clear();
    std::stringstream in(grpc);
    for (std::string ep; std::getline(in, ep, ',');) o.endpoints.push_back(ep);
    Result<Duration> t = parse_duration(timeout);
    if (!t.ok()) return t.status().WithContext("--timeout");
    o.timeout = *t;
    return o;
  }
};

}  // namespace kairos::cli
