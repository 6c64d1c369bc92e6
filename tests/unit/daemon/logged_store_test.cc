#include "daemon/logged_store.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/tso/test_stores.h"

namespace kairos::daemon {
namespace {

class LoggedStoreTest : public ::testing::Test {
 protected:
  LoggedStoreTest() {
    auto inner = std::make_unique<tso::testing::MemoryStore>();
    memory_ = inner.get();
    store_ = std::make_unique<LoggedStore>(
        std::move(inner), clock_, [this](const std::string& l) { warnings_.push_back(l); },
        [this](const std::string& l) { infos_.push_back(l); });
  }

  ManualClock clock_;
  tso::testing::MemoryStore* memory_ = nullptr;
  std::unique_ptr<LoggedStore> store_;
  std::vector<std::string> warnings_;
  std::vector<std::string> infos_;
};

TEST_F(LoggedStoreTest, AFullDiskIsToldOnceThenSummedUpThenItsEnd) {
  ASSERT_TRUE(store_->compare_and_set("ts", 0, 10).ok());
  EXPECT_TRUE(warnings_.empty() && infos_.empty());

  memory_->fail_writes(
      Status::Unavailable("write /var/lib/kairos/tso.hwm.tmp: No space left on device"));
  for (int i = 0; i < 100; ++i) {  // the extender retries every 100 ms
    EXPECT_FALSE(store_->compare_and_set("ts", 10, 20).ok());
    clock_.advance(milliseconds(100));
  }
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_EQ(warnings_[0],
            "writing the tso store failed: write /var/lib/kairos/tso.hwm.tmp: No space left on "
            "device (retrying; repeats are summed up every 60s)");
  clock_.advance(seconds(60));
  EXPECT_FALSE(store_->compare_and_set("ts", 10, 20).ok());
  ASSERT_EQ(warnings_.size(), 2u);
  EXPECT_NE(warnings_[1].find("writing the tso store still failing: 100 more times"),
            std::string::npos)
      << warnings_[1];

  memory_->fail_writes(Status::Ok());
  ASSERT_TRUE(store_->compare_and_set("ts", 10, 20).ok());
  ASSERT_EQ(infos_.size(), 1u);
  EXPECT_EQ(infos_[0], "writing the tso store works again after 101 failures in 70s");
  EXPECT_EQ(memory_->get("ts"), 20u);  // what the wrapper passes on is the inner store's
}

TEST_F(LoggedStoreTest, FailedLoadsAreToldApartFromWrites) {
  memory_->fail_loads(Status::Unavailable("etcd: connect 127.0.0.1:2379: Connection refused"));
  Result<std::uint64_t> r = store_->load("seq/orders");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "etcd: connect 127.0.0.1:2379: Connection refused");
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_EQ(warnings_[0].rfind("reading the tso store failed: etcd: connect", 0), 0u);
  EXPECT_EQ(store_->describe(), "memory");
}

}  // namespace
}  // namespace kairos::daemon
