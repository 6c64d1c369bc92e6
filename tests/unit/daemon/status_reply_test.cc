#include "daemon/status_reply.h"

#include <gtest/gtest.h>

#include "daemon/status_report.h"

namespace kairos::daemon {
namespace {

// What the daemon serves, read back field for field.
TEST(StatusReplyTest, ReadsBackWhatTheDaemonServes) {
  ClockSnapshot s;
  s.system_ref = UnixTime(seconds(1'800'000'000));
  s.offset = microseconds(-12);
  s.frequency_ppm = 3.25;
  s.error_bound = microseconds(40);
  s.max_drift_ppm = 0;  // the bound stays put, so it reads back exactly
  s.stratum = 3;
  s.reference_id = 0x7f000001;
  s.root_delay = microseconds(250);
  s.root_dispersion = microseconds(30);
  s.poll_log2 = 4;
  s.status = SyncStatus::kSynchronized;
  const std::vector<SourceReport> sources = {
      {"127.0.0.2:123", "selected", microseconds(5), microseconds(90), microseconds(2), 0377, 2,
       ""},
      {"127.0.0.3:123", "unreachable", Duration(0), Duration(0), Duration(0), 0, 0, "timeout"}};
  nlohmann::json j = status_json(s, s.system_ref, sources, true);
  server::ServerCounters c;
  c.received = 7;
  c.replied = 6;
  c.dropped[static_cast<int>(server::RequestVerdict::kDropMalformed)] = 1;
  j["ntp_server"] = ntp_server_json(c, "127.0.0.1:11123");

  Result<StatusReply> r = parse_status_reply(j.dump());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->synchronized);
  EXPECT_EQ(r->status, "synchronized");
  EXPECT_TRUE(r->ready);
  EXPECT_EQ(r->offset, microseconds(-12));
  EXPECT_EQ(r->error_bound, microseconds(40));
  EXPECT_DOUBLE_EQ(r->frequency_ppm, 3.25);
  EXPECT_EQ(r->stratum, 3);
  EXPECT_EQ(r->reference, "127.0.0.1");
  EXPECT_EQ(r->root_delay, microseconds(250));
  EXPECT_EQ(r->root_dispersion, microseconds(30));
  EXPECT_EQ(r->poll_s, 16);
  ASSERT_EQ(r->sources.size(), 2u);
  EXPECT_EQ(r->sources[0].address, "127.0.0.2:123");
  EXPECT_EQ(r->sources[0].reach, 0377);
  EXPECT_EQ(r->sources[0].delay, microseconds(90));
  EXPECT_EQ(r->sources[1].state, "unreachable");
  EXPECT_EQ(r->sources[1].last_error, "timeout");
  ASSERT_TRUE(r->ntp_server.has_value());
  EXPECT_EQ(r->ntp_server->listen, "127.0.0.1:11123");
  EXPECT_EQ(r->ntp_server->received, 7u);
  ASSERT_EQ(r->ntp_server->dropped.size(), static_cast<std::size_t>(server::kVerdictCount));

  j["ntp_server"] = nullptr;  // NTP serving off
  r = parse_status_reply(j.dump());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->ntp_server.has_value());
}

// A reply that is not what docs/status-api.md says: an error naming the field.
TEST(StatusReplyTest, NamesTheFieldThatIsWrong) {
  ClockSnapshot s;
  const std::vector<SourceReport> one = {{"a:123", "candidate", {}, {}, {}, 1, 2, ""}};
  const nlohmann::json good = status_json(s, UnixTime(seconds(1)), one, false);
  ASSERT_TRUE(parse_status_reply(good.dump()).ok());
  const auto error_after = [&](auto change) {
    nlohmann::json j = good;
    change(j);
    Result<StatusReply> r = parse_status_reply(j.dump());
    return r.ok() ? std::string("ok") : r.status().message();
  };
  const std::string p = "the daemon's /status reply: ";
  EXPECT_EQ(error_after([](auto& j) { j.erase("ready"); }), p + "'ready' is missing");
  EXPECT_EQ(error_after([](auto& j) { j["synchronized"] = "yes"; }),
            p + "'synchronized' is not a boolean");
  EXPECT_EQ(error_after([](auto& j) { j["error_bound_ns"] = 1.5; }),
            p + "'error_bound_ns' is not an integer");
  EXPECT_EQ(error_after([](auto& j) { j["offset_ns"] = 18446744073709551615u; }),
            p + "'offset_ns' is out of range");
  EXPECT_EQ(error_after([](auto& j) { j["stratum"] = 300; }), p + "'stratum' is outside 0..255");
  EXPECT_EQ(error_after([](auto& j) { j["sources"] = 1; }), p + "'sources' is not an array");
  EXPECT_EQ(error_after([](auto& j) { j["sources"][0] = 1; }), p + "'sources[0]' is not an object");
  EXPECT_EQ(error_after([](auto& j) { j["sources"][0]["reach"] = -1; }),
            p + "'sources[0].reach' is outside 0..255");
  EXPECT_EQ(error_after([](auto& j) {
              j["ntp_server"] = {{"listen", "x"}};
            }),
            p + "'ntp_server.received' is missing");
  EXPECT_EQ(error_after([](auto& j) {
              j["ntp_server"] = {{"listen", "x"},
                                 {"received", 1},
                                 {"replied", 1},
                                 {"kod_sent", 0},
                                 {"rate_limited", 0},
                                 {"send_errors", 0},
                                 {"dropped", {{"mode", -2}}}};
            }),
            p + "'ntp_server.dropped.mode' is negative");
  EXPECT_EQ(parse_status_reply("[1]").status().message(),
            "the daemon's /status reply is not a JSON object");
  EXPECT_FALSE(parse_status_reply("").ok());
}

}  // namespace
}  // namespace kairos::daemon
