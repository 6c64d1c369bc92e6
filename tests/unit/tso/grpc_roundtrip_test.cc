// The gRPC service and the batching client together, in one process over loopback; the
// fixture's tests run with the oracle thread sleeping between completions and busy-polling.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <thread>
#include <vector>

#include "kairos/clock.h"
#include "kairos/hybrid_timestamp.h"
#include "kairos/tso_client.h"
#include "tso/grpc_server.h"
#include "unit/tso/test_stores.h"

namespace kairos::tso {
namespace {

class GrpcRoundTrip : public ::testing::TestWithParam<Duration> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(oracle_.recover(clock_.realtime()).ok());
    Result<std::unique_ptr<TsoServer>> server =
        TsoServer::start({.listen = "127.0.0.1:0",
                          .now = [this] { return clock_.realtime(); },
                          .leader_address = {},
                          .may_serve = {},
                          .busy_poll = GetParam()},
                         oracle_, sequencer_);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    TsoClientOptions options;
    options.endpoints = {"127.0.0.1:" + std::to_string(server_->port())};
    Result<std::unique_ptr<TsoClient>> client = TsoClient::connect(options);
    ASSERT_TRUE(client.ok());
    client_ = std::move(*client);
  }

  ManualClock clock_;
  testing::MemoryStore store_;
  TimestampOracle oracle_{store_, {.max_count = 1000}};
  Sequencer sequencer_{store_, {}};
  std::unique_ptr<TsoServer> server_;
  std::unique_ptr<TsoClient> client_;
};

TEST_P(GrpcRoundTrip, ConcurrentCallersShareBatchesAndGetDisjointIncreasingRanges) {
  constexpr int kThreads = 8;
  constexpr int kCalls = 200;
  std::vector<std::vector<TimestampRange>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        Result<TimestampRange> r = client_->get_timestamps(static_cast<std::uint32_t>(1 + i % 3));
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        ASSERT_EQ(r->count, static_cast<std::uint32_t>(1 + i % 3));
        got[t].push_back(*r);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::uint64_t> all;
  for (const auto& ranges : got) {
    for (std::size_t i = 0; i < ranges.size(); ++i) {
      if (i > 0) {
        EXPECT_GT(ranges[i].first, ranges[i - 1].first + ranges[i - 1].count - 1);
      }
      for (std::uint32_t k = 0; k < ranges[i].count; ++k) {
        EXPECT_TRUE(all.insert(ranges[i].first + k).second);
      }
    }
  }
  EXPECT_EQ(
      hybrid_physical_ms(*all.begin()),
      static_cast<std::uint64_t>(
          std::chrono::duration_cast<milliseconds>(clock_.realtime().time_since_epoch()).count()));
}

TEST_P(GrpcRoundTrip, ABadRequestFailsOnlyItsCaller) {
  Result<TimestampRange> zero = client_->get_timestamps(0);
  EXPECT_EQ(zero.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(zero.status().message(), "count must be at least 1");
  Result<TimestampRange> big = client_->get_timestamps(1001);
  EXPECT_EQ(big.status().code(), StatusCode::kOutOfRange);
  Result<TimestampRange> ok = client_->get_timestamps(5);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->count, 5u);
}

TEST_P(GrpcRoundTrip, SequencesOverGrpc) {
  Result<SequenceRange> a = client_->next_sequence("orders", 5);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->first, 1u);
  Result<SequenceRange> b = client_->next_sequence("orders", 1);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->first, 6u);
  Result<SequenceRange> bad = client_->next_sequence("no spaces", 1);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

TEST_P(GrpcRoundTrip, AStoppedOracleAnswersUnavailableUntilTheDeadline) {
  oracle_.stop_serving(Status::Unavailable("not the leader"));
  TsoClientOptions options;
  options.endpoints = {"127.0.0.1:" + std::to_string(server_->port())};
  options.timeout = milliseconds(200);
  Result<std::unique_ptr<TsoClient>> client = TsoClient::connect(options);
  ASSERT_TRUE(client.ok());
  Result<TimestampRange> r = (*client)->get_timestamps(1);
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_NE(r.status().message().find("not the leader"), std::string::npos) << r.status().message();
}

INSTANTIATE_TEST_SUITE_P(PollModes, GrpcRoundTrip,
                         ::testing::Values(Duration::zero(), microseconds(50)),
                         [](const ::testing::TestParamInfo<Duration>& p) {
                           return p.param == Duration::zero() ? "Sleeping" : "BusyPolling";
                         });

TEST(TsoClient, OptionsAreChecked) {
  TsoClientOptions o;
  o.endpoints = {};
  EXPECT_EQ(TsoClient::connect(o).status().code(), StatusCode::kInvalidArgument);
  o.endpoints = {"nohostport"};
  EXPECT_EQ(TsoClient::connect(o).status().message(),
            "endpoint: 'nohostport' needs a port from 1 to 65535 (HOST:PORT or unix:PATH)");
  // gRPC would dial 99999 as port 34463 and an empty port as 0: refused here instead.
  o.endpoints = {"127.0.0.1:1", "127.0.0.1:99999"};
  EXPECT_EQ(TsoClient::connect(o).status().message(),
            "endpoint: port must be a number from 0 to 65535 in '127.0.0.1:99999'");
  o.endpoints = {"[::1]:"};
  EXPECT_EQ(TsoClient::connect(o).status().code(), StatusCode::kInvalidArgument);
  o.endpoints = {"127.0.0.1:0"};
  EXPECT_EQ(TsoClient::connect(o).status().code(), StatusCode::kInvalidArgument);
  o.endpoints = {"x y:1"};
  EXPECT_EQ(TsoClient::connect(o).status().code(), StatusCode::kInvalidArgument);
  o.endpoints = {"unix:"};
  EXPECT_EQ(TsoClient::connect(o).status().message(), "endpoint: empty socket path in 'unix:'");
  o.endpoints = {"[::1]:11190", "localhost:11190", "unix:/run/kairos/tso.sock"};
  EXPECT_TRUE(TsoClient::connect(o).ok());
  // Sums of counts and deadlines stay far from overflowing.
  o.max_batch = (1u << 18) + 1;
  EXPECT_EQ(TsoClient::connect(o).status().message(),
            "max_batch must be 1..262144 (timestamps one message may ask for), got 262145");
  o.max_batch = 1u << 18;
  o.timeout = Duration::max();
  EXPECT_EQ(TsoClient::connect(o).status().code(), StatusCode::kInvalidArgument);
  o.timeout = hours(24);
  EXPECT_TRUE(TsoClient::connect(o).ok());
}

// A server on a Unix socket serves the client library; a second server on the same path is
// refused while the first lives (gRPC alone would take the path over), and the path is
// free again once the first has stopped.
TEST(GrpcUnixSocket, ServesAndIsNotTakenOver) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("kairos-grpc-uds-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string listen = "unix:" + (dir / "tso.sock").string();
  ManualClock clock;
  testing::MemoryStore store;
  TimestampOracle oracle{store, {}};
  Sequencer sequencer{store, {}};
  ASSERT_TRUE(oracle.recover(clock.realtime()).ok());
  const TsoServerOptions options{.listen = listen,
                                 .now = [&] { return clock.realtime(); },
                                 .leader_address = {},
                                 .may_serve = {}};
  Result<std::unique_ptr<TsoServer>> first = TsoServer::start(options, oracle, sequencer);
  ASSERT_TRUE(first.ok()) << first.status().ToString();

  TsoClientOptions client_options;
  client_options.endpoints = {listen};
  client_options.timeout = seconds(5);
  Result<std::unique_ptr<TsoClient>> client = TsoClient::connect(client_options);
  ASSERT_TRUE(client.ok());
  Result<TimestampRange> ts = (*client)->get_timestamps(3);
  ASSERT_TRUE(ts.ok()) << ts.status().ToString();
  EXPECT_EQ(ts->count, 3u);
  Result<SequenceRange> seq = (*client)->next_sequence("orders", 2);
  ASSERT_TRUE(seq.ok()) << seq.status().ToString();
  EXPECT_EQ(seq->first, 1u);

  Result<std::unique_ptr<TsoServer>> second = TsoServer::start(options, oracle, sequencer);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().message(), "another process is serving on " + listen);
  Result<TimestampRange> still = (*client)->get_timestamps(1);
  ASSERT_TRUE(still.ok()) << still.status().ToString();
  EXPECT_GT(still->first, ts->first + 2);

  client->reset();  // no open stream to wait for
  (*first)->shutdown();
  Result<std::unique_ptr<TsoServer>> third = TsoServer::start(options, oracle, sequencer);
  EXPECT_TRUE(third.ok()) << third.status().ToString();
  third->reset();
  first->reset();
  std::filesystem::remove_all(dir);
}

TEST(GrpcUnixSocket, AMissingDirectoryIsNamed) {
  ManualClock clock;
  testing::MemoryStore store;
  TimestampOracle oracle{store, {}};
  Sequencer sequencer{store, {}};
  const TsoServerOptions options{.listen = "unix:/nonexistent-kairos-dir/tso.sock",
                                 .now = [&] { return clock.realtime(); },
                                 .leader_address = {},
                                 .may_serve = {}};
  Result<std::unique_ptr<TsoServer>> server = TsoServer::start(options, oracle, sequencer);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().message(),
            "cannot listen for gRPC on unix:/nonexistent-kairos-dir/tso.sock: No such file or "
            "directory");
}

// gRPC would share a TCP port between servers (SO_REUSEPORT): a second daemon of the same
// user would take part of the first one's connections, and two oracles with their own
// stores would hand out the same values. The second server is refused.
TEST(GrpcTcp, ASecondServerOnTheSamePortIsRefused) {
  ManualClock clock;
  testing::MemoryStore store;
  TimestampOracle oracle{store, {}};
  Sequencer sequencer{store, {}};
  ASSERT_TRUE(oracle.recover(clock.realtime()).ok());
  TsoServerOptions options{.listen = "127.0.0.1:0",
                           .now = [&] { return clock.realtime(); },
                           .leader_address = {},
                           .may_serve = {}};
  Result<std::unique_ptr<TsoServer>> first = TsoServer::start(options, oracle, sequencer);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  options.listen = "127.0.0.1:" + std::to_string((*first)->port());
  Result<std::unique_ptr<TsoServer>> second = TsoServer::start(options, oracle, sequencer);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().message(),
            "cannot listen for gRPC on " + options.listen + ": Address already in use");
  first->reset();
  Result<std::unique_ptr<TsoServer>> third = TsoServer::start(options, oracle, sequencer);
  EXPECT_TRUE(third.ok()) << third.status().ToString();
}

}  // namespace
}  // namespace kairos::tso
