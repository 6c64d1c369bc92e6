#include "tso/sequence_combiner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <initializer_list>
#include <mutex>
#include <thread>
#include <vector>

namespace kairos::tso {
namespace {

const MonoTime kDeadline = MonoTime(seconds(100));

// A fake server: hands out numbers from a counter and records each request's count.
struct FakeServer {
  std::mutex mu;
  std::uint64_t next = 1;
  std::vector<std::uint64_t> requests;
  Result<SequenceRange> serve(std::uint64_t count) {
    std::lock_guard lock(mu);
    requests.push_back(count);
    const SequenceRange r{next, count};
    next += count;
    return r;
  }
};

TEST(SequenceCombinerTest, ALoneCallIsOneRequest) {
  FakeServer server;
  SequenceCombiner c(1000, [&](const std::string& name, std::uint64_t n, MonoTime) {
    EXPECT_EQ(name, "orders");
    return server.serve(n);
  });
  Result<SequenceRange> r = c.next("orders", 5, kDeadline);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->first, 1u);
  EXPECT_EQ(r->count, 5u);
  EXPECT_EQ(server.requests, std::vector<std::uint64_t>{5});
  EXPECT_EQ(c.waiting("orders"), 0u);
}

// While one request is in flight, 7 callers queue; the next request asks for all of them
// and each caller gets its own disjoint part.
TEST(SequenceCombinerTest, CallsQueuedBehindARequestShareTheNext) {
  FakeServer server;
  std::atomic<bool> release{false};
  std::atomic<int> sends{0};
  SequenceCombiner c(1000, [&](const std::string&, std::uint64_t n, MonoTime) {
    if (sends.fetch_add(1) == 0) {
      while (!release.load()) std::this_thread::yield();  // hold the first request
    }
    return server.serve(n);
  });
  std::vector<Result<SequenceRange>> results(8, Status::Internal("unset"));
  std::vector<std::thread> threads;
  threads.emplace_back([&] { results[0] = c.next("a", 1, kDeadline); });
  while (sends.load() == 0) std::this_thread::yield();
  for (int i = 1; i < 8; ++i) {
    threads.emplace_back([&, i] { results[i] = c.next("a", static_cast<std::uint64_t>(i), kDeadline); });
  }
  while (c.waiting("a") < 7) std::this_thread::yield();
  release = true;
  for (std::thread& t : threads) t.join();

  ASSERT_EQ(server.requests.size(), 2u) << "the 7 queued calls share one request";
  EXPECT_EQ(server.requests[1], 1u + 2 + 3 + 4 + 5 + 6 + 7);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(results[i].ok()) << results[i].status().ToString();
    EXPECT_EQ(results[i]->count, i == 0 ? 1u : static_cast<std::uint64_t>(i));
    ranges.emplace_back(results[i]->first, results[i]->count);
  }
  std::sort(ranges.begin(), ranges.end());
  std::uint64_t expect = 1;
  for (const auto& [first, count] : ranges) {
    EXPECT_EQ(first, expect) << "ranges are disjoint and leave no gap";
    expect = first + count;
  }
  EXPECT_EQ(expect, server.next);
}

// The counts of the requests a combiner with `max_batch` sends when calls for `queued`
// numbers (in this order) wait behind a first request for 1.
std::vector<std::uint64_t> requests_for(std::uint64_t max_batch,
                                        std::initializer_list<std::uint64_t> queued) {
  FakeServer server;
  std::atomic<bool> release{false};
  std::atomic<int> sends{0};
  SequenceCombiner c(max_batch, [&](const std::string&, std::uint64_t n, MonoTime) {
    if (sends.fetch_add(1) == 0) {
      while (!release.load()) std::this_thread::yield();  // hold the first request
    }
    return server.serve(n);
  });
  std::vector<std::thread> threads;
  threads.emplace_back([&] { (void)c.next("a", 1, kDeadline); });
  while (sends.load() == 0) std::this_thread::yield();
  for (std::uint64_t n : queued) {
    const std::size_t before = c.waiting("a");
    threads.emplace_back([&, n] { (void)c.next("a", n, kDeadline); });
    while (c.waiting("a") == before) std::this_thread::yield();
  }
  release = true;
  for (std::thread& t : threads) t.join();
  return server.requests;
}

TEST(SequenceCombinerTest, ABatchStopsAtTheLimitAndABigCallGoesAlone) {
  // 6 + 6 is over 10; 25 is over the limit on its own.
  EXPECT_EQ(requests_for(10, {6, 6, 25, 4}), (std::vector<std::uint64_t>{1, 6, 6, 25, 4}));
}

// A count of 0 is the server's to refuse: shared with others it would pass as an empty part.
TEST(SequenceCombinerTest, ACallForZeroNumbersGoesAloneSoTheServerJudgesIt) {
  EXPECT_EQ(requests_for(10, {2, 0, 3}), (std::vector<std::uint64_t>{1, 2, 0, 3}));
}

TEST(SequenceCombinerTest, AFailedRequestFailsEveryCallItCarried) {
  SequenceCombiner c(1000, [&](const std::string&, std::uint64_t, MonoTime) -> Result<SequenceRange> {
    return Status::InvalidArgument("bad name");
  });
  Result<SequenceRange> r = c.next("bad name!", 1, kDeadline);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "bad name");
}

TEST(SequenceCombinerTest, AShortRangeFromTheServerIsAnError) {
  SequenceCombiner c(1000, [&](const std::string&, std::uint64_t n, MonoTime) -> Result<SequenceRange> {
    return SequenceRange{1, n - 1};
  });
  Result<SequenceRange> r = c.next("a", 3, kDeadline);
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  EXPECT_NE(r.status().message().find("got 2"), std::string::npos) << r.status().message();
}

TEST(SequenceCombinerTest, TheRequestDeadlineIsTheEarliestOfItsCalls) {
  std::mutex mu;
  std::vector<MonoTime> deadlines;
  std::atomic<bool> release{false};
  std::atomic<int> sends{0};
  SequenceCombiner c(1000, [&](const std::string&, std::uint64_t n, MonoTime d) {
    {
      std::lock_guard lock(mu);
      deadlines.push_back(d);
    }
    if (sends.fetch_add(1) == 0) {
      while (!release.load()) std::this_thread::yield();  // hold the first request
    }
    return Result<SequenceRange>(SequenceRange{1, n});
  });
  std::vector<std::thread> threads;
  threads.emplace_back([&] { (void)c.next("a", 1, MonoTime(seconds(50))); });
  while (sends.load() == 0) std::this_thread::yield();
  // Queued behind the first request: deadlines 9 s, 7 s, 8 s share the next request.
  for (int d : {9, 7, 8}) {
    const std::size_t before = c.waiting("a");
    threads.emplace_back([&, d] { (void)c.next("a", 1, MonoTime(seconds(d))); });
    while (c.waiting("a") == before) std::this_thread::yield();
  }
  release = true;
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(deadlines, (std::vector<MonoTime>{MonoTime(seconds(50)), MonoTime(seconds(7))}));
}

}  // namespace
}  // namespace kairos::tso
