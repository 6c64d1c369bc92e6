#include "daemon/logging.h"

#include <grpc/support/log.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "daemon/config.h"

namespace kairos::daemon {
namespace {

// gRPC's own lines (a failed bind, a broken connection) in our format and under our level,
// not as "E1203 14:16:31.932187890 7574 chttp2_server.cc:1045] ..." beside ours. gRPC
// still decides which it emits (GRPC_VERBOSITY, default: errors only).
void log_from_grpc(gpr_log_func_args* args) {
  const spdlog::level::level_enum level =
      args->severity == GPR_LOG_SEVERITY_ERROR  ? spdlog::level::err
      : args->severity == GPR_LOG_SEVERITY_INFO ? spdlog::level::info
                                                : spdlog::level::debug;
  spdlog::log(level, "grpc: {}", args->message);
}

}  // namespace

Status setup_logging(std::string_view level) {
  if (Status s = validate_log_level(level); !s.ok()) return s;
  static const bool once = [] {
    auto logger = spdlog::stderr_color_mt("kairos");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ %v", spdlog::pattern_time_type::utc);
    spdlog::set_default_logger(logger);
    gpr_set_log_function(log_from_grpc);
    return true;
  }();
  (void)once;
  spdlog::set_level(spdlog::level::from_str(std::string(level)));
  return Status::Ok();
}

}  // namespace kairos::daemon
