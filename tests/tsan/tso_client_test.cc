// Stress: one TsoClient shared by blocking callers on their own threads and by closed loops
// of async callers (timestamps and sequences) against an in-process server; then a client
// destroyed while its async callers are still calling. Every value must be unique, each
// caller's values increasing, and every callback must run exactly once. Runs under
// ThreadSanitizer in `make test` (label tsan): the client's locking (queue, stream, sequence
// queue, timer) is what it checks; gRPC itself is not instrumented.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "kairos/clock.h"
#include "kairos/tso_client.h"
#include "tso/grpc_server.h"
#include "tso/sequencer.h"
#include "tso/timestamp_oracle.h"
#include "unit/tso/test_stores.h"

namespace kairos::tso {
namespace {

constexpr int kCallsEach = 300;

class Server {
 public:
  Server() {
    EXPECT_TRUE(oracle_.recover(clock_.realtime()).ok());
    Result<std::unique_ptr<TsoServer>> s =
        TsoServer::start({.listen = "127.0.0.1:0",
                          .now = [this] { return clock_.realtime(); },
                          .leader_address = {},
                          .may_serve = {}},
                         oracle_, sequencer_);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    if (s.ok()) server_ = std::move(*s);
  }
  std::unique_ptr<TsoClient> connect() const {
    TsoClientOptions options;
    options.endpoints = {"127.0.0.1:" + std::to_string(server_->port())};
    options.timeout = seconds(30);
    options.max_batch = 1000;
    Result<std::unique_ptr<TsoClient>> c = TsoClient::connect(options);
    EXPECT_TRUE(c.ok());
    return c.ok() ? std::move(*c) : nullptr;
  }

 private:
  const Clock& clock_ = SystemClock::instance();
  testing::MemoryStore store_;
  TimestampOracle oracle_{store_, {.max_count = 1000}};
  Sequencer sequencer_{store_, {}};
  std::unique_ptr<TsoServer> server_;
};

// Async closed-loop callers of both kinds; each stops at kCallsEach values or its first error.
class AsyncCallers {
 public:
  AsyncCallers(TsoClient& client, int per_kind) : client_(client), got_(2 * per_kind) {}

  void start() {
    for (int c = 0; c < static_cast<int>(got_.size()); ++c) issue(c);
  }
  void wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return finished_ == static_cast<int>(got_.size()); });
  }
  // Values of callers c with c % 2 == kind (0: timestamps, 1: sequence numbers).
  const std::vector<std::vector<std::uint64_t>>& got() const { return got_; }
  int errors() const { return errors_.load(); }

 private:
  void issue(int c) {
    if (c % 2 == 0) {
      client_.get_timestamps_async(1, [this, c](Result<TimestampRange> r) {
        done(c, r.ok() ? Status::Ok() : r.status(), r.ok() ? r->first : 0);
      });
    } else {
      client_.next_sequence_async("stress", 1, [this, c](Result<SequenceRange> r) {
        done(c, r.ok() ? Status::Ok() : r.status(), r.ok() ? r->first : 0);
      });
    }
  }
  void done(int c, const Status& s, std::uint64_t first) {
    if (s.ok()) got_[c].push_back(first);
    if (!s.ok()) {
      EXPECT_EQ(s.message(), "client is shutting down") << s.ToString();
      errors_.fetch_add(1);
    }
    if (s.ok() && got_[c].size() < kCallsEach) return issue(c);
    std::lock_guard lock(mu_);
    ++finished_;
    cv_.notify_all();
  }

  TsoClient& client_;
  std::vector<std::vector<std::uint64_t>> got_;  // per caller; one call at a time each
  std::atomic<int> errors_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  int finished_ = 0;
};

void expect_increasing_and_unique(const std::vector<std::vector<std::uint64_t>>& per_caller,
                                  std::set<std::uint64_t>& all) {
  for (const auto& values : per_caller) {
    for (std::size_t i = 1; i < values.size(); ++i) EXPECT_GT(values[i], values[i - 1]);
    for (std::uint64_t v : values) EXPECT_TRUE(all.insert(v).second) << "repeated " << v;
  }
}

TEST(TsoClientStress, BlockingAndAsyncCallersShareOneClient) {
  Server server;
  auto client = server.connect();
  ASSERT_NE(client, nullptr);
  AsyncCallers async(*client, 16);
  std::vector<std::vector<std::uint64_t>> blocking(4);
  async.start();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCallsEach; ++i) {
        if (t % 2 == 0) {
          Result<TimestampRange> r = client->get_timestamps(1);
          ASSERT_TRUE(r.ok()) << r.status().ToString();
          blocking[t].push_back(r->first);
        } else {
          Result<SequenceRange> r = client->next_sequence("stress", 1);
          ASSERT_TRUE(r.ok()) << r.status().ToString();
          blocking[t].push_back(r->first);
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  async.wait();
  EXPECT_EQ(async.errors(), 0);
  std::set<std::uint64_t> timestamps, numbers;
  std::vector<std::vector<std::uint64_t>> by_kind[2];
  for (std::size_t c = 0; c < async.got().size(); ++c) {
    EXPECT_EQ(async.got()[c].size(), static_cast<std::size_t>(kCallsEach));
    by_kind[c % 2].push_back(async.got()[c]);
  }
  for (std::size_t t = 0; t < blocking.size(); ++t) by_kind[t % 2].push_back(blocking[t]);
  expect_increasing_and_unique(by_kind[0], timestamps);
  expect_increasing_and_unique(by_kind[1], numbers);
  EXPECT_EQ(timestamps.size(), (16u + 2u) * kCallsEach);
  EXPECT_EQ(numbers.size(), (16u + 2u) * kCallsEach);
}

TEST(TsoClientStress, DestroyingTheClientUnderAsyncLoadEndsEveryCaller) {
  Server server;
  auto client = server.connect();
  ASSERT_NE(client, nullptr);
  AsyncCallers async(*client, 32);
  async.start();
  client.reset();  // callers still calling: each ends with a value or "shutting down"
  async.wait();
  std::set<std::uint64_t> timestamps, numbers;
  std::vector<std::vector<std::uint64_t>> by_kind[2];
  for (std::size_t c = 0; c < async.got().size(); ++c) by_kind[c % 2].push_back(async.got()[c]);
  expect_increasing_and_unique(by_kind[0], timestamps);
  expect_increasing_and_unique(by_kind[1], numbers);
}

}  // namespace
}  // namespace kairos::tso
