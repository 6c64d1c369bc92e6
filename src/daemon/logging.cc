#include "daemon/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "daemon/config.h"

namespace kairos::daemon {

Status setup_logging(std::string_view level) {
  if (Status s = validate_log_level(level); !s.ok()) return s;
  static const bool once = [] {
    auto logger = spdlog::stderr_color_mt("kairos");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ %v", spdlog::pattern_time_type::utc);
    spdlog::set_default_logger(logger);
    return true;
  }();
  (void)once;
  spdlog::set_level(spdlog::level::from_str(std::string(level)));
  return Status::Ok();
}

}  // namespace kairos::daemon
