// TsoClient::get_timestamps_async against a real TsoServer over loopback: order, errors
// and deadlines delivered to callbacks, closed loops issuing from callbacks, and
// destruction with calls outstanding (every callback runs exactly once, no hang).
#include <gtest/gtest.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "kairos/clock.h"
#include "kairos/tso_client.h"
#include "tso/grpc_server.h"
#include "unit/tso/closed_loops.h"
#include "unit/tso/gate.h"
#include "unit/tso/test_stores.h"

namespace kairos::tso {
namespace {

using testing::Caller;
using testing::Done;
using testing::Gate;
using testing::run_closed_loops;

// Collects the results of `expected` callbacks; wait() returns when all arrived.
template <typename Range = TimestampRange>
class Results {
 public:
  explicit Results(std::size_t expected) : expected_(expected) {}

  std::function<void(Result<Range>)> callback(std::size_t index) {
    return [this, index](Result<Range> r) { add(index, std::move(r)); };
  }
  void add(std::size_t index, Result<Range> r) {
    std::lock_guard lock(mu_);
    order_.push_back(index);
    if (results_.size() <= index) results_.resize(index + 1);
    EXPECT_FALSE(results_[index].has_value()) << "callback " << index << " ran twice";
    results_[index].emplace(std::move(r));
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return order_.size() >= expected_; });
  }
  std::size_t received() {
    std::lock_guard lock(mu_);
    return order_.size();
  }
  const Result<Range>& at(std::size_t i) const { return *results_.at(i); }
  const std::vector<std::size_t>& order() const { return order_; }

 private:
  const std::size_t expected_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::size_t> order_;
  std::vector<std::optional<Result<Range>>> results_;
};

class TsoClientAsync : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(oracle_.recover(clock_.realtime()).ok());
    Result<std::unique_ptr<TsoServer>> server =
        TsoServer::start({.listen = "127.0.0.1:0",
                          .now = [this] { return clock_.realtime(); },
                          .leader_address = {},
                          .may_serve = [this] { return gate_.pass(); }},
                         oracle_, sequencer_);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }
  void TearDown() override { gate_.open(); }  // let hung requests go before the server stops

  std::unique_ptr<TsoClient> connect(Duration timeout = seconds(5)) {
    TsoClientOptions options;
    options.endpoints = {"127.0.0.1:" + std::to_string(server_->port())};
    options.timeout = timeout;
    options.max_batch = kServerLimit;  // as the documentation asks: <= the server's limit
    Result<std::unique_ptr<TsoClient>> client = TsoClient::connect(options);
    EXPECT_TRUE(client.ok());
    return client.ok() ? std::move(*client) : nullptr;
  }

  ManualClock clock_;
  testing::MemoryStore store_;
  static constexpr std::uint32_t kServerLimit = 1000;
  TimestampOracle oracle_{store_, {.max_count = kServerLimit}};
  Sequencer sequencer_{store_, {}};
  Gate gate_;
  std::unique_ptr<TsoServer> server_;
};

TEST_F(TsoClientAsync, CallbacksRunInCallOrderWithIncreasingDisjointRanges) {
  auto client = connect();
  constexpr std::size_t kCalls = 500;
  Results results(kCalls);
  for (std::size_t i = 0; i < kCalls; ++i) {
    client->get_timestamps_async(static_cast<std::uint32_t>(1 + i % 4), results.callback(i));
  }
  results.wait();
  for (std::size_t i = 0; i < kCalls; ++i) {
    EXPECT_EQ(results.order()[i], i);
    const Result<TimestampRange>& r = results.at(i);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->count, 1 + i % 4);
    if (i > 0) {
      EXPECT_GE(r->first, results.at(i - 1)->first + results.at(i - 1)->count);
    }
  }
}

TEST_F(TsoClientAsync, ClosedLoopCallersIssueFromCallbacksAndEachSeesIncreasingValues) {
  auto client = connect();
  constexpr int kCallers = 16;
  constexpr int kCallsEach = 300;
  const std::vector<Caller> callers = run_closed_loops(kCallers, kCallsEach, [&](int, Done done) {
    client->get_timestamps_async(1, [done](Result<TimestampRange> r) {
      done(r.ok() ? Status::Ok() : r.status(), r.ok() ? r->first : 0);
    });
  });
  std::set<std::uint64_t> all;
  for (const Caller& me : callers) {
    EXPECT_TRUE(me.error.ok()) << me.error.ToString();
    ASSERT_EQ(me.got.size(), static_cast<std::size_t>(kCallsEach));
    for (std::size_t i = 1; i < me.got.size(); ++i) EXPECT_GT(me.got[i], me.got[i - 1]);
    all.insert(me.got.begin(), me.got.end());
  }
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kCallers * kCallsEach));
}

TEST_F(TsoClientAsync, ABadCallFailsInItsCallbackAndTheOthersSucceed) {
  auto client = connect();
  Results results(4);
  client->get_timestamps_async(2, results.callback(0));
  client->get_timestamps_async(0, results.callback(1));
  client->get_timestamps_async(1001, results.callback(2));
  client->get_timestamps_async(3, results.callback(3));
  results.wait();
  ASSERT_TRUE(results.at(0).ok()) << results.at(0).status().ToString();
  EXPECT_EQ(results.at(1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(results.at(1).status().message(), "count must be at least 1");
  EXPECT_EQ(results.at(2).status().code(), StatusCode::kOutOfRange);
  ASSERT_TRUE(results.at(3).ok()) << results.at(3).status().ToString();
  EXPECT_EQ(results.at(3)->count, 3u);
  EXPECT_GT(results.at(3)->first, results.at(0)->first);
}

TEST_F(TsoClientAsync, ARefusingOracleEndsInDeadlineExceededWithTheLastError) {
  oracle_.stop_serving(Status::Unavailable("not the leader"));
  auto client = connect(milliseconds(200));
  Results results(3);
  for (std::size_t i = 0; i < 3; ++i) client->get_timestamps_async(1, results.callback(i));
  results.wait();
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(results.at(i).status().code(), StatusCode::kDeadlineExceeded);
    EXPECT_NE(results.at(i).status().message().find("not the leader"), std::string::npos)
        << results.at(i).status().message();
  }
}

TEST_F(TsoClientAsync, AHungServerEndsInDeadlineExceeded) {
  gate_.close();
  auto client = connect(milliseconds(200));
  Results results(2);
  client->get_timestamps_async(1, results.callback(0));
  client->get_timestamps_async(1, results.callback(1));
  results.wait();
  EXPECT_EQ(results.at(0).status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(results.at(1).status().code(), StatusCode::kDeadlineExceeded);
  gate_.open();
  // The client recovers once the server answers again.
  Result<TimestampRange> later = client->get_timestamps(1);
  EXPECT_TRUE(later.ok()) << later.status().ToString();
}

TEST_F(TsoClientAsync, DestroyingTheClientCompletesEveryOutstandingCall) {
  gate_.close();
  auto client = connect(seconds(60));
  constexpr std::size_t kCalls = 100;
  Results results(kCalls + 1);
  for (std::size_t i = 0; i < kCalls; ++i) client->get_timestamps_async(1, results.callback(i));
  gate_.wait_for_a_request();  // some calls are in flight, the rest queued
  // A callback that calls again while the client is going away gets an error at once.
  TsoClient* raw = client.get();
  client->get_timestamps_async(1, [&results, raw](Result<TimestampRange> r) {
    results.add(kCalls, std::move(r));
    raw->get_timestamps_async(1, [](Result<TimestampRange> again) {
      EXPECT_EQ(again.status().message(), "client is shutting down");
    });
  });
  client.reset();
  EXPECT_EQ(results.received(), kCalls + 1);  // all ran before the destructor returned
  for (std::size_t i = 0; i <= kCalls; ++i) {
    EXPECT_EQ(results.at(i).status().code(), StatusCode::kUnavailable);
  }
}

TEST_F(TsoClientAsync, DestroyingTheClientWhileCallsAreAnsweredRunsEachCallbackOnce) {
  auto client = connect();
  constexpr std::size_t kCalls = 2000;
  Results results(kCalls);
  for (std::size_t i = 0; i < kCalls; ++i) client->get_timestamps_async(1, results.callback(i));
  client.reset();
  ASSERT_EQ(results.received(), kCalls);
  for (std::size_t i = 0; i < kCalls; ++i) {
    const Result<TimestampRange>& r = results.at(i);
    EXPECT_TRUE(r.ok() || r.status().code() == StatusCode::kUnavailable) << r.status().ToString();
  }
}

TEST_F(TsoClientAsync, TheBlockingCallSharesTheStreamWithAsyncCalls) {
  auto client = connect();
  Results results(1);
  client->get_timestamps_async(5, results.callback(0));
  Result<TimestampRange> blocking = client->get_timestamps(2);
  results.wait();
  ASSERT_TRUE(blocking.ok()) << blocking.status().ToString();
  ASSERT_TRUE(results.at(0).ok());
  EXPECT_GE(blocking->first, results.at(0)->first + 5);
}

TEST_F(TsoClientAsync, ClosedLoopSequenceCallersGetUniqueIncreasingNumbersPerName) {
  auto client = connect();
  constexpr int kCallers = 16;
  constexpr int kCallsEach = 200;
  auto name = [](int c) { return c % 2 == 0 ? "even" : "odd"; };
  const std::vector<Caller> callers = run_closed_loops(kCallers, kCallsEach, [&](int c, Done done) {
    client->next_sequence_async(name(c), 1, [done](Result<SequenceRange> r) {
      done(r.ok() ? Status::Ok() : r.status(), r.ok() ? r->first : 0);
    });
  });
  std::set<std::uint64_t> per_name[2];
  for (int c = 0; c < kCallers; ++c) {
    EXPECT_TRUE(callers[c].error.ok()) << callers[c].error.ToString();
    const std::vector<std::uint64_t>& got = callers[c].got;
    ASSERT_EQ(got.size(), static_cast<std::size_t>(kCallsEach));
    for (std::size_t i = 1; i < got.size(); ++i) EXPECT_GT(got[i], got[i - 1]);
    per_name[c % 2].insert(got.begin(), got.end());
  }
  for (const auto& numbers : per_name) {
    EXPECT_EQ(numbers.size(), static_cast<std::size_t>(kCallers / 2 * kCallsEach));
  }
  // The blocking form of the same name continues above everything handed out.
  Result<SequenceRange> after = client->next_sequence("even", 1);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_GT(after->first, *per_name[0].rbegin());
}

TEST_F(TsoClientAsync, ABadSequenceCallFailsInItsCallbackWithTheServersMessage) {
  auto client = connect();
  Results<SequenceRange> results(3);
  client->next_sequence_async("ok", 0, results.callback(0));
  client->next_sequence_async("-bad", 1, results.callback(1));
  client->next_sequence_async("ok", 2, results.callback(2));
  results.wait();
  EXPECT_EQ(results.at(0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(results.at(0).status().message(), "count must be at least 1");
  EXPECT_EQ(results.at(1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(results.at(1).status().message(), "sequence name must start with a letter or digit");
  ASSERT_TRUE(results.at(2).ok()) << results.at(2).status().ToString();
  EXPECT_EQ(results.at(2)->count, 2u);
}

// A request hung in the server is cancelled, not waited for until its deadline (60 s here).
TEST_F(TsoClientAsync, DestroyingTheClientCancelsTheSequenceRequestInFlight) {
  gate_.close();
  auto client = connect(seconds(60));
  Results<SequenceRange> results(4);
  client->next_sequence_async("a", 1, results.callback(0));
  gate_.wait_for_a_request();  // call 0 is in the server; the others queue behind it
  for (std::size_t i = 1; i < 4; ++i) client->next_sequence_async("a", 1, results.callback(i));
  client.reset();
  ASSERT_EQ(results.received(), 4u);  // all ran before the destructor returned
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(results.at(i).status().code(), StatusCode::kUnavailable);
    EXPECT_EQ(results.at(i).status().message(), "client is shutting down");
  }
}

}  // namespace
}  // namespace kairos::tso
