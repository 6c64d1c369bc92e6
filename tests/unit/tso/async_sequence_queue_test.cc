#include "tso/async_sequence_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "unit/tso/closed_loops.h"

namespace kairos::tso {
namespace {

const MonoTime kDeadline = MonoTime(seconds(100));

// A fake server whose requests can be held: while closed, a request waits in send() until
// open() (so the test knows exactly which calls are in flight and which are queued).
class FakeServer {
 public:
  struct Request {
    std::string name;
    std::uint64_t count;
    MonoTime deadline;
  };

  Result<SequenceRange> serve(const std::string& name, std::uint64_t count, MonoTime deadline) {
    std::unique_lock lock(mu_);
    requests_.push_back({name, count, deadline});
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
    if (!fail_with_.ok()) return fail_with_;
    std::uint64_t& next = next_[name];
    const SequenceRange r{next + 1, count - short_by_};
    next += count;
    return r;
  }
  void close() {
    std::lock_guard lock(mu_);
    open_ = false;
  }
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void wait_for_requests(std::size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return requests_.size() >= n; });
  }
  void fail_with(Status s) {
    std::lock_guard lock(mu_);
    fail_with_ = std::move(s);
  }
  void answer_short_by(std::uint64_t n) {
    std::lock_guard lock(mu_);
    short_by_ = n;
  }
  std::vector<Request> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  Status fail_with_;
  std::uint64_t short_by_ = 0;
  std::vector<Request> requests_;
  std::unordered_map<std::string, std::uint64_t> next_;
};

// Collects callbacks by index; wait(n) returns once n have run.
class Results {
 public:
  SequenceCallback callback(std::size_t i) {
    return [this, i](Result<SequenceRange> r) {
      std::lock_guard lock(mu_);
      if (got_.size() <= i) got_.resize(i + 1);
      EXPECT_FALSE(got_[i].has_value()) << "callback " << i << " ran twice";
      got_[i].emplace(std::move(r));
      order_.push_back(i);
      cv_.notify_all();
    };
  }
  void wait(std::size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return order_.size() >= n; });
  }
  std::size_t received() {
    std::lock_guard lock(mu_);
    return order_.size();
  }
  Result<SequenceRange> at(std::size_t i) {
    std::lock_guard lock(mu_);
    return *got_.at(i);
  }
  std::vector<std::size_t> order() {
    std::lock_guard lock(mu_);
    return order_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::optional<Result<SequenceRange>>> got_;
  std::vector<std::size_t> order_;
};

struct Fixture {
  FakeServer server;
  Results results;
  std::unique_ptr<AsyncSequenceQueue> queue;
  explicit Fixture(std::uint64_t max_batch = 1000)
      : queue(std::make_unique<AsyncSequenceQueue>(
            max_batch, seconds(5),
            [this](const std::string& name, std::uint64_t n, MonoTime deadline) {
              return server.serve(name, n, deadline);
            })) {}
  // Holds the first request of `name` in the server, so later calls queue behind it.
  void hold_first(const std::string& name, std::size_t index) {
    server.close();
    queue->submit(name, 1, kDeadline, results.callback(index));
    server.wait_for_requests(1);
  }
};

TEST(AsyncSequenceQueueTest, CallsQueuedBehindARequestShareTheNextInCallOrder) {
  Fixture f;
  f.hold_first("orders", 0);
  for (std::size_t i = 1; i <= 5; ++i) f.queue->submit("orders", i, kDeadline, f.results.callback(i));
  f.server.open();
  f.results.wait(6);
  const std::vector<FakeServer::Request> req = f.server.requests();
  ASSERT_EQ(req.size(), 2u);
  EXPECT_EQ(req[0].count, 1u);
  EXPECT_EQ(req[1].count, 1u + 2 + 3 + 4 + 5);  // one request for the five queued calls
  EXPECT_EQ(f.results.order(), (std::vector<std::size_t>{0, 1, 2, 3, 4, 5}));
  std::uint64_t next = 1;
  for (std::size_t i = 0; i <= 5; ++i) {
    const Result<SequenceRange> r = f.results.at(i);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->first, next) << "call " << i;
    EXPECT_EQ(r->count, i == 0 ? 1u : i);
    next += r->count;
  }
}

TEST(AsyncSequenceQueueTest, TheOldestCallsNameGoesFirstAndNamesAreNotMixed) {
  Fixture f;
  f.hold_first("a", 0);
  f.queue->submit("b", 2, kDeadline, f.results.callback(1));
  f.queue->submit("a", 3, kDeadline, f.results.callback(2));
  f.queue->submit("b", 4, kDeadline, f.results.callback(3));
  f.server.open();
  f.results.wait(4);
  const std::vector<FakeServer::Request> req = f.server.requests();
  ASSERT_EQ(req.size(), 3u);
  EXPECT_EQ(req[1].name, "b");  // the oldest queued call is b's
  EXPECT_EQ(req[1].count, 6u);
  EXPECT_EQ(req[2].name, "a");
  EXPECT_EQ(req[2].count, 3u);
  EXPECT_EQ(f.results.at(1)->first, 1u);  // each name counts on its own
  EXPECT_EQ(f.results.at(3)->first, 3u);
  EXPECT_EQ(f.results.at(2)->first, 2u);
}

TEST(AsyncSequenceQueueTest, ABatchStopsAtTheLimitAndLaterCallsKeepTheirOrder) {
  Fixture f(10);
  f.hold_first("a", 0);
  f.queue->submit("a", 6, kDeadline, f.results.callback(1));
  f.queue->submit("a", 6, kDeadline, f.results.callback(2));  // 12 > 10: waits
  f.queue->submit("a", 1, kDeadline, f.results.callback(3));  // fits, but must not jump 2
  f.queue->submit("a", 25, kDeadline, f.results.callback(4));  // over the limit: alone
  f.queue->submit("a", 0, kDeadline, f.results.callback(5));   // the server's to refuse: alone
  f.queue->submit("a", 2, kDeadline, f.results.callback(6));
  f.server.open();
  f.results.wait(7);
  std::vector<std::uint64_t> counts;
  for (const FakeServer::Request& r : f.server.requests()) counts.push_back(r.count);
  EXPECT_EQ(counts, (std::vector<std::uint64_t>{1, 6, 7, 25, 0, 2}));
  EXPECT_EQ(f.results.order(), (std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6}));
  EXPECT_LT(f.results.at(2)->first, f.results.at(3)->first);
}

TEST(AsyncSequenceQueueTest, AFailedRequestFailsEveryCallItCarried) {
  Fixture f;
  f.hold_first("a", 0);
  f.queue->submit("a", 1, kDeadline, f.results.callback(1));
  f.queue->submit("a", 1, kDeadline, f.results.callback(2));
  f.server.fail_with(Status::InvalidArgument("bad name"));
  f.server.open();
  f.results.wait(3);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(f.results.at(i).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(f.results.at(i).status().message(), "bad name");
  }
}

TEST(AsyncSequenceQueueTest, AShortAnswerIsAnInternalErrorNotAWrongRange) {
  Fixture f;
  f.server.answer_short_by(1);
  f.queue->submit("a", 3, kDeadline, f.results.callback(0));
  f.results.wait(1);
  EXPECT_EQ(f.results.at(0).status().code(), StatusCode::kInternal);
  EXPECT_EQ(f.results.at(0).status().message(), "asked for 3 sequence numbers of a, got 2");
}

TEST(AsyncSequenceQueueTest, TheRequestCarriesItsCallsEarliestDeadline) {
  Fixture f;
  f.hold_first("a", 0);
  f.queue->submit("a", 1, MonoTime(seconds(90)), f.results.callback(1));
  f.queue->submit("a", 1, MonoTime(seconds(80)), f.results.callback(2));
  f.server.open();
  f.results.wait(3);
  EXPECT_EQ(f.server.requests().at(1).deadline, MonoTime(seconds(80)));
}

TEST(AsyncSequenceQueueTest, QueuedCallsPastTheirDeadlineFailButTheOneInFlightDoesNot) {
  Fixture f;
  f.hold_first("a", 0);  // deadline 100 s
  f.queue->submit("a", 1, MonoTime(seconds(10)), f.results.callback(1));
  f.queue->submit("b", 1, MonoTime(seconds(20)), f.results.callback(2));
  f.queue->submit("a", 1, MonoTime(seconds(30)), f.results.callback(3));
  f.queue->expire_due(MonoTime(seconds(20)));
  ASSERT_EQ(f.results.received(), 2u);  // on this thread, before expire_due returned
  EXPECT_EQ(f.results.order(), (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(f.results.at(1).status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(f.results.at(1).status().message(),
            "no sequence numbers within 5s (still queued behind a request in flight)");
  f.server.open();
  f.results.wait(4);
  EXPECT_TRUE(f.results.at(0).ok());
  EXPECT_TRUE(f.results.at(3).ok());
  EXPECT_EQ(f.server.requests().size(), 2u);  // the expired calls were never sent
}

TEST(AsyncSequenceQueueTest, CallbacksThatCallAgainNeedNoOtherThread) {
  Fixture f;
  constexpr int kCallers = 8;
  constexpr int kCallsEach = 200;
  const std::vector<testing::Caller> callers =
      testing::run_closed_loops(kCallers, kCallsEach, [&](int, testing::Done done) {
        f.queue->submit("a", 1, kDeadline, [done](Result<SequenceRange> r) {
          done(r.ok() ? Status::Ok() : r.status(), r.ok() ? r->first : 0);
        });
      });
  std::vector<std::uint64_t> all;
  for (const testing::Caller& c : callers) {
    EXPECT_TRUE(c.error.ok()) << c.error.ToString();
    for (std::size_t i = 1; i < c.got.size(); ++i) EXPECT_GT(c.got[i], c.got[i - 1]);
    all.insert(all.end(), c.got.begin(), c.got.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kCallers * kCallsEach));
  // Calls made from callbacks were combined: far fewer requests than calls.
  EXPECT_LT(f.server.requests().size(), all.size() / 2);
}

// Destroyed while a request is held in the server: the destructor waits for it, and every
// call runs its callback exactly once before the destructor returns (the queued ones with
// "client is shutting down", unless the worker sent them before it saw the stop).
TEST(AsyncSequenceQueueTest, DestroyingTheQueueRunsEveryCallbackOnceBeforeItReturns) {
  Fixture f;
  f.hold_first("a", 0);
  f.queue->submit("a", 1, kDeadline, f.results.callback(1));
  f.queue->submit("b", 1, kDeadline, f.results.callback(2));
  std::thread destroyer([&] { f.queue.reset(); });
  f.server.open();
  destroyer.join();
  ASSERT_EQ(f.results.received(), 3u);
  EXPECT_TRUE(f.results.at(0).ok());
  for (std::size_t i : {1u, 2u}) {
    const Result<SequenceRange> r = f.results.at(i);
    EXPECT_TRUE(r.ok() || (r.status().code() == StatusCode::kUnavailable &&
                           r.status().message() == "client is shutting down"))
        << r.status().ToString();
  }
}

}  // namespace
}  // namespace kairos::tso
