#include "daemon/logging.h"

#include <grpc/grpc.h>
#include <grpc/support/log.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

namespace kairos::daemon {
namespace {

TEST(Logging, GrpcLinesGoThroughOurLogger) {
  ASSERT_TRUE(setup_logging("info").ok());
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  sink->set_pattern("%l %v");
  spdlog::default_logger()->sinks().push_back(sink);
  grpc_init();  // reads gRPC's verbosity (GRPC_VERBOSITY; errors by default)
  gpr_log(GPR_ERROR, "No address added out of total %d resolved", 1);
  grpc_shutdown();
  spdlog::default_logger()->flush();
  spdlog::default_logger()->sinks().pop_back();
  EXPECT_EQ(out.str(), "error grpc: No address added out of total 1 resolved\n");
}

TEST(Logging, AnUnknownLevelIsRefused) {
  const Status s = setup_logging("loud");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("loud"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace kairos::daemon
