#include "daemon/status_report.h"

#include <gtest/gtest.h>

namespace kairos::daemon {
namespace {

TEST(StatusReportTest, NtpServerCountersKeepEveryDropReason) {
  server::ServerCounters c;
  c.received = 100;
  c.replied = 90;
  c.kod_sent = 2;
  c.rate_limited = 5;
  c.send_errors = 1;
  c.dropped[static_cast<int>(server::RequestVerdict::kDropMalformed)] = 4;
  c.dropped[static_cast<int>(server::RequestVerdict::kDropControl)] = 3;
  c.dropped[static_cast<int>(server::RequestVerdict::kReply)] = 3;
  const nlohmann::json j = ntp_server_json(c, "127.0.0.1:11123");
  EXPECT_EQ(j.at("listen"), "127.0.0.1:11123");
  EXPECT_EQ(j.at("received"), 100u);
  EXPECT_EQ(j.at("replied"), 90u);
  EXPECT_EQ(j.at("kod_sent"), 2u);
  EXPECT_EQ(j.at("rate_limited"), 5u);
  EXPECT_EQ(j.at("send_errors"), 1u);
  const nlohmann::json& d = j.at("dropped");
  ASSERT_EQ(d.size(), static_cast<std::size_t>(server::kVerdictCount));
  EXPECT_EQ(d.at("malformed"), 4u);
  EXPECT_EQ(d.at("control_mode"), 3u);
  EXPECT_EQ(d.at("rate_limit"), 3u);
  EXPECT_EQ(d.at("version"), 0u);
  EXPECT_EQ(d.at("mode"), 0u);
}

}  // namespace
}  // namespace kairos::daemon
