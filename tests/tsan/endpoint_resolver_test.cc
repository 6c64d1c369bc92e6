// EndpointResolver from many threads at once: callers join the one lookup under way for an
// endpoint, glibc's notification thread ends it, and the last good addresses are shared.
#include "tso/endpoint_resolver.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "kairos/clock.h"

namespace kairos::tso {
namespace {

TEST(EndpointResolverStress, ThreadsResolvingTheSameNamesAllGetAddresses) {
  EndpointResolver resolver;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        // Two names from /etc/hosts and a numeric address, in a different order per thread.
        const char* endpoints[] = {"localhost:2379", "localhost:2380", "127.0.0.1:2379"};
        const char* endpoint = endpoints[(t + i) % 3];
        const MonoTime deadline = SystemClock::instance().monotonic() + seconds(30);
        if (!resolver.resolve(endpoint, deadline).ok()) failures.fetch_add(1);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace kairos::tso
