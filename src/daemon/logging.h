// Process-wide logging setup: spdlog to stderr, UTC timestamps, one line per event; gRPC's
// own log lines go through it too ("grpc: ...").
#pragma once

#include <string_view>

#include "kairos/status.h"

namespace kairos::daemon {

// Sets the default logger's level ("info", "debug", ...); an unknown name is an error.
Status setup_logging(std::string_view level);

}  // namespace kairos::daemon
