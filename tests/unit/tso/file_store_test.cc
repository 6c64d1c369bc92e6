#include "tso/file_store.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tso/hwm_file_format.h"

namespace kairos::tso {
namespace {

class FileStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kairos-filestore-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(FileStoreTest, MarksSurviveReopen) {
  {
    auto store = FileStore::open(dir_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ(*(*store)->load("ts"), 0u);
    ASSERT_TRUE((*store)->compare_and_set("ts", 0, 1234).ok());
    ASSERT_TRUE((*store)->compare_and_set("seq/a", 0, 77).ok());
    ASSERT_TRUE((*store)->compare_and_set("ts", 1234, 5678).ok());
  }
  auto store = FileStore::open(dir_);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(*(*store)->load("ts"), 5678u);
  EXPECT_EQ(*(*store)->load("seq/a"), 77u);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "tso.hwm.tmp"));
}

TEST_F(FileStoreTest, CompareAndSetRefusesAStaleExpectation) {
  auto store = FileStore::open(dir_);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->compare_and_set("ts", 0, 10).ok());
  Status s = (*store)->compare_and_set("ts", 0, 20);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(*(*store)->load("ts"), 10u);
  EXPECT_EQ((*store)->compare_and_set("bad key", 0, 1).code(), StatusCode::kInvalidArgument);
}

TEST_F(FileStoreTest, OneProcessPerStateDirectory) {
  auto first = FileStore::open(dir_);
  ASSERT_TRUE(first.ok());
  auto second = FileStore::open(dir_);
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("in use"), std::string::npos);
}

TEST_F(FileStoreTest, ACorruptFileIsAnErrorNotAFreshStart) {
  {
    std::ofstream out(dir_ / "tso.hwm");
    out << "kairos-tso-hwm 1\nts 99\nchecksum 0000000000000000\n";
  }
  auto store = FileStore::open(dir_);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("checksum mismatch"), std::string::npos)
      << store.status().message();
}

TEST_F(FileStoreTest, AFileThatCannotBeReadIsAnErrorNotAFreshStart) {
  // A link to itself: open fails with ELOOP (root reads past permissions, not past this).
  std::filesystem::create_symlink("tso.hwm", dir_ / "tso.hwm");
  auto store = FileStore::open(dir_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(store.status().message(),
            "cannot read " + (dir_ / "tso.hwm").string() + ": Too many levels of symbolic links");
  // The file is left as it was, and so is the lock: a later open may try again.
  EXPECT_TRUE(std::filesystem::is_symlink(dir_ / "tso.hwm"));
  std::filesystem::remove(dir_ / "tso.hwm");
  EXPECT_TRUE(FileStore::open(dir_).ok());
}

TEST_F(FileStoreTest, ALeftoverTempFileIsIgnored) {
  {
    auto store = FileStore::open(dir_);
    ASSERT_TRUE((*store)->compare_and_set("ts", 0, 42).ok());
  }
  {
    std::ofstream out(dir_ / "tso.hwm.tmp");
    out << "kairos-tso-hwm 1\nts 4";  // a write torn by a crash
  }
  auto store = FileStore::open(dir_);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(*(*store)->load("ts"), 42u);
}

TEST(HwmFileFormat, RoundTrips) {
  HwmMap marks{{"seq/orders", 2000000}, {"ts", 1767225603000}};
  const std::string bytes = encode_hwm_file(marks);
  EXPECT_TRUE(bytes.starts_with("kairos-tso-hwm 1\nseq/orders 2000000\nts 1767225603000\n"));
  Result<HwmMap> parsed = parse_hwm_file(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, marks);
  EXPECT_TRUE(parse_hwm_file(encode_hwm_file({})).ok());
}

TEST(HwmFileFormat, RejectsDamageWithTheLine) {
  const std::string good = encode_hwm_file({{"a", 1}, {"b", 2}});
  auto err = [](std::string_view bytes) { return parse_hwm_file(bytes).status().message(); };
  EXPECT_NE(err("").find("header"), std::string::npos);
  EXPECT_NE(err(good.substr(0, good.size() - 1)).find("newline"), std::string::npos);
  EXPECT_NE(err(good.substr(0, 24)).find("line 3"), std::string::npos);
  std::string flipped = good;
  flipped[17] = 'c';  // key a → c: order and checksum are wrong
  EXPECT_FALSE(parse_hwm_file(flipped).ok());
  std::string changed = good;
  changed[19] = '7';  // a value changed
  EXPECT_NE(err(changed).find("checksum mismatch"), std::string::npos);
  EXPECT_NE(err("kairos-tso-hwm 1\nb 1\na 2\n").find("out of order"), std::string::npos);
  EXPECT_NE(err("kairos-tso-hwm 1\nts x\n").find("not a decimal"), std::string::npos);
  EXPECT_NE(err("kairos-tso-hwm 1\nts 99999999999999999999\n").find("not a decimal"),
            std::string::npos);
  EXPECT_NE(err(good + "x").find("after the checksum"), std::string::npos);
  EXPECT_NE(err(std::string(kMaxHwmFileBytes + 1, 'x')).find("limit"), std::string::npos);
}

}  // namespace
}  // namespace kairos::tso
