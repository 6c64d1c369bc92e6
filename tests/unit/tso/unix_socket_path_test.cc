#include "tso/unix_socket_path.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

namespace kairos::tso {
namespace {

class UnixSocketPath : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("kairos-uds-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "tso.sock").string();
  }
  void TearDown() override {
    if (fd_ >= 0) ::close(fd_);
    std::filesystem::remove_all(dir_);
  }

  // Binds a socket file at path_; listens on it when `listen`.
  void bind_socket(bool listen) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT_GE(fd_, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.data(), path_.size());
    ASSERT_EQ(::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
    if (listen) {
      ASSERT_EQ(::listen(fd_, 4), 0);
    }
  }

  std::filesystem::path dir_;
  std::string path_;
  int fd_ = -1;
};

TEST_F(UnixSocketPath, NothingThereIsUnused) { EXPECT_TRUE(check_unix_socket_unused(path_).ok()); }

TEST_F(UnixSocketPath, ALiveServerIsNotTakenOver) {
  bind_socket(/*listen=*/true);
  Status s = check_unix_socket_unused(path_);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "another process is serving on unix:" + path_);
}

TEST_F(UnixSocketPath, ASocketFileNobodyListensOnMayBeReplaced) {
  bind_socket(/*listen=*/true);
  ::close(fd_);  // as a killed server leaves it: the file stays, nobody accepts
  fd_ = -1;
  ASSERT_TRUE(std::filesystem::is_socket(path_));
  EXPECT_TRUE(check_unix_socket_unused(path_).ok());
}

TEST_F(UnixSocketPath, AnotherKindOfFileIsRefused) {
  std::ofstream(path_) << "data\n";
  EXPECT_EQ(check_unix_socket_unused(path_).message(),
            "unix:" + path_ + " exists and is not a socket");
  EXPECT_TRUE(std::filesystem::exists(path_));
}

}  // namespace
}  // namespace kairos::tso
