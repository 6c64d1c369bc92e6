// Opening segments: a missing one, one of another layout version, a foreign file, a
// truncated one, a bad name. Each gets its own clear error.
#include "shm/shm_segment.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "kairos/bounded_clock.h"
#include "unit/shm/test_names.h"

namespace kairos::shm {
namespace {

// Writes raw bytes as a shm object; removes it when done.
class RawSegment {
 public:
  explicit RawSegment(const std::vector<unsigned char>& bytes)
      : name_(testing::unique_shm_name("raw")) {
    const int fd = ::shm_open(name_.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    ::close(fd);
  }
  ~RawSegment() { ::shm_unlink(name_.c_str()); }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

// A 128-byte segment header as a writer of `version` would make it.
std::vector<unsigned char> header(std::uint64_t magic, std::uint32_t version) {
  std::vector<unsigned char> b(128, 0);
  std::memcpy(b.data(), &magic, 8);
  std::memcpy(b.data() + 8, &version, 4);
  const std::uint32_t sizes[3] = {128, 64, 64};
  std::memcpy(b.data() + 12, sizes, 12);
  const std::int64_t stale = 10'000'000'000;
  std::memcpy(b.data() + 24, &stale, 8);
  return b;
}

TEST(OpenSegment, MissingSegmentSaysSo) {
  BoundedClock c(testing::unique_shm_name("missing"));
  EXPECT_FALSE(c.ok());
  EXPECT_EQ(c.error(), BoundedError::kNoSegment);
  EXPECT_NE(c.message().find("no bounded-clock segment"), std::string::npos);
  TimeInterval i;
  EXPECT_EQ(c.now(i), BoundedError::kNoSegment);
  EXPECT_FALSE(c.after(0));
  EXPECT_FALSE(c.before(INT64_MAX));
}

TEST(OpenSegment, NewerAndOlderLayoutsAreRejectedByVersion) {
  for (std::uint32_t version : {0u, 2u, 77u}) {
    RawSegment seg(header(shm_layout::kMagic, version));
    BoundedClock c(seg.name());
    EXPECT_EQ(c.error(), BoundedError::kWrongVersion);
    EXPECT_NE(c.message().find("has layout version " + std::to_string(version) +
                               "; this reader understands version 1"),
              std::string::npos)
        << c.message();
  }
}

TEST(OpenSegment, ForeignTruncatedOrMisSizedSegmentsAreRejected) {
  RawSegment foreign(std::vector<unsigned char>(128, 'x'));
  BoundedClock a(foreign.name());
  EXPECT_EQ(a.error(), BoundedError::kBadSegment);
  EXPECT_NE(a.message().find("not a kairos bounded-clock segment"), std::string::npos);

  RawSegment tiny(std::vector<unsigned char>(4, 0));
  BoundedClock b(tiny.name());
  EXPECT_EQ(b.error(), BoundedError::kBadSegment);
  EXPECT_NE(b.message().find("too small"), std::string::npos);

  std::vector<unsigned char> short_v1 = header(shm_layout::kMagic, 1);
  short_v1.resize(64);
  RawSegment truncated(short_v1);
  BoundedClock c(truncated.name());
  EXPECT_EQ(c.error(), BoundedError::kBadSegment);
  EXPECT_NE(c.message().find("wrong sizes"), std::string::npos);
}

TEST(OpenSegment, BadNamesAreRejected) {
  for (const char* name : {"", "/", "kairos", "/a/b"}) {
    BoundedClock c(name);
    EXPECT_EQ(c.error(), BoundedError::kInvalidArgument) << name;
    EXPECT_FALSE(validate_shm_name(name).ok()) << name;
  }
  EXPECT_TRUE(validate_shm_name("/kairos").ok());
}

TEST(ShmSegment, ReplacesALeftoverAndRemovesItsNameWhenDestroyed) {
  const std::string name = testing::unique_shm_name("seg");
  {
    // A leftover (foreign bytes, no live writer) under the name is replaced.
    const int fd = ::shm_open(name.c_str(), O_RDWR | O_CREAT, 0600);
    ASSERT_GE(fd, 0);
    ::close(fd);
  }
  {
    Result<std::unique_ptr<ShmSegment>> seg = ShmSegment::create(name, seconds(3));
    ASSERT_TRUE(seg.ok()) << seg.status().ToString();
    BoundedClock c(name);
    EXPECT_EQ(c.error(), BoundedError::kOk) << c.message();
    EXPECT_EQ(c.stale_after_ns(), 3'000'000'000);
  }
  BoundedClock gone(name);
  EXPECT_EQ(gone.error(), BoundedError::kNoSegment);
}

}  // namespace
}  // namespace kairos::shm
